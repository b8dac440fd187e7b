import type { FieldError } from '../api/errors';
import type { KubeObject } from '../api/object';

/**
 * Per-resource behaviour plugged into the generic store, as upstream's
 * RESTCreateStrategy/RESTUpdateStrategy. All hooks mutate or inspect objects in
 * their Kubernetes JSON shape.
 */
export interface Strategy {
  namespaced: boolean;
  /** Clears fields a client may not set on create (status for resources with a status subresource). */
  prepareForCreate?(obj: KubeObject): void;
  /** Keeps fields the main resource may not change (status), bumps generation on spec change. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Upstream defaulting (SetDefaults_*) applied to every decoded request object. */
  applyDefaults?(obj: KubeObject): void;
  validate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** Whether PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** Whether PUT without metadata.resourceVersion is accepted. */
  allowUnconditionalUpdate: boolean;
  /** Field selector values beyond metadata.name/metadata.namespace, e.g. Event's involvedObject.kind. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /** Fields the status subresource replaces; everything else is kept from the stored object. */
  statusPaths?: string[];
}
