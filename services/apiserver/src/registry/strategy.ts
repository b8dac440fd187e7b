import type { FieldError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';

/** What a write hook knows of the request beyond the object. */
export interface WriteContext {
  /** who asks; undefined for the server's own writes */
  user?: UserInfo;
  namespace: string;
}

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
  /**
   * Runs after validation of a create, before storage (upstream's BeginCreate):
   * throws a StatusError to refuse it, e.g. RBAC escalation prevention.
   */
  beginCreate?(obj: KubeObject, ctx: WriteContext): void;
  /** As beginCreate, for updates, patches and applies. */
  beginUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void;
  /** Fields the status subresource replaces; everything else is kept from the stored object. */
  statusPaths?: string[];
}
