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
 * their Kubernetes JSON shape; T is the kind's generated type (the untyped
 * object for generic kinds and custom resources).
 */
export interface Strategy<T extends object = KubeObject> {
  namespaced: boolean;
  /** Clears fields a client may not set on create (status for resources with a status subresource). */
  prepareForCreate?(obj: T): void;
  /** Keeps fields the main resource may not change (status), bumps generation on spec change. */
  prepareForUpdate?(obj: T, old: T): void;
  /** For writes through /status, after the store kept everything but status (upstream's status strategy). */
  prepareForStatusUpdate?(obj: T, old: T): void;
  /** Upstream defaulting (SetDefaults_*) applied to every decoded request object. */
  applyDefaults?(obj: T): void;
  validate(obj: T): FieldError[];
  validateUpdate(obj: T, old: T): FieldError[];
  /** For writes through /status, in place of validateUpdate (upstream's status strategy's ValidateUpdate). */
  validateStatusUpdate?(obj: T, old: T): FieldError[];
  /** Whether PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** Whether PUT without metadata.resourceVersion is accepted. */
  allowUnconditionalUpdate: boolean;
  /** Field selector values beyond metadata.name/metadata.namespace, e.g. Event's involvedObject.kind. */
  selectableFields?(obj: T): Record<string, string>;
  /**
   * Runs after validation of a create, before storage (upstream's BeginCreate):
   * throws a StatusError to refuse it, e.g. RBAC escalation prevention.
   */
  beginCreate?(obj: T, ctx: WriteContext): void;
  /** As beginCreate, for updates, patches and applies. */
  beginUpdate?(obj: T, old: T, ctx: WriteContext): void;
  /**
   * Drops what the kind's schema does not know from a decoded request object and names it
   * (custom resources' pruning), so fieldValidation reports it as an unknown field.
   */
  pruneUnknown?(obj: T): string[];
  /** Fields the status subresource replaces; everything else is kept from the stored object. */
  statusPaths?: string[];
  /**
   * Upstream's GetResetFields: paths writes through this strategy never change, so they are
   * never owned in managedFields. Without it, the main resource's writes leave status alone.
   */
  resetFields?: ReadonlyArray<readonly string[]>;
}
