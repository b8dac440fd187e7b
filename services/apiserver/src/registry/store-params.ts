import type { GracePeriodFor } from './graceful-delete';
import type { FieldError, GroupResource } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import type { Admission, AdmissionRecorder } from '../admission/interface';
import type { Preconditions, Storage } from '../storage/interface';

export interface ListParams {
  labelMatch?: (labels: Record<string, string> | undefined) => boolean;
  /** Labels every match carries, for the watch cache's label index. */
  requiredLabels?: Record<string, string>;
  fieldMatch?: (fields: Record<string, string>) => boolean;
  /** Field values every match has (a field selector's equalities): metadata.namespace and metadata.name narrow the read. */
  requiredFields?: Record<string, string>;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  limit?: number;
  continueToken?: string;
}

export interface WatchParams extends ListParams {
  sendInitialEvents?: boolean;
  /** The client takes BOOKMARKs: ask storage for progress notifications. */
  progressNotify?: boolean;
}

export interface DeleteParams {
  preconditions?: Preconditions;
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  /** who asks: a request's delete runs admission, the server's own does not */
  user?: UserInfo;
  /** admission has already judged this delete (a store that overrides delete runs it itself) */
  admitted?: boolean;
  recorder?: AdmissionRecorder;
}

export interface WriteParams {
  dryRun?: boolean;
  /** Field manager recorded in managedFields (upstream derives it from fieldManager or the user agent). */
  manager?: string;
  /** The caller computed managedFields already (server-side apply). */
  managedFieldsDone?: boolean;
  /** Subresource the write came through, recorded with the manager (e.g. scale). */
  subresource?: string;
  /** who asks, for the strategy's begin hooks; undefined for the server's own writes */
  user?: UserInfo;
  /** Size of the request body the object came from: big bodies get an early storage-limit check. */
  bodyBytes?: number;
  /** Where admission puts the request's warnings and audit annotations. */
  recorder?: AdmissionRecorder;
}

/** Answers a POST to a subresource of an existing object (e.g. a TokenRequest for a ServiceAccount). */
export type SubresourceCreator = (
  namespace: string,
  name: string,
  body: KubeObject,
  params: WriteParams,
) => Promise<KubeObject>;

/** Answers a PUT to a subresource whose write differs from the main resource's (namespaces/finalize). */
export type SubresourceUpdater = (name: string, body: KubeObject, params: WriteParams) => Promise<KubeObject>;

/** Checks, before a namespaced create, that the namespace exists and is not terminating. */
export type NamespaceGate = (namespace: string, gr?: GroupResource, name?: string) => Promise<void>;

/**
 * What a kind adds around the generic writes, as upstream's Store hooks; the
 * strategy's beginCreate/beginUpdate run before storage, these after it.
 */
export interface StoreHooks {
  /** After an object is stored by a create; the params say whether it was a dry run. */
  afterCreate?(obj: KubeObject, params: WriteParams): void | Promise<void>;
  /**
   * After an object is really removed: by a DELETE, or by the update that took
   * away the last finalizer of an object being deleted. Dry runs included.
   */
  afterDelete?(obj: KubeObject, params: { dryRun?: boolean }): void | Promise<void>;
  /**
   * Applied to every object the store hands out (reads, list items, write
   * results, watch events). It returns a new object and never mutates its
   * argument: that may be the watch cache's instance, with its encoded bytes.
   */
  decorator?(obj: KubeObject): KubeObject;
  /** Graceful deletion: the grace period a DELETE gets (pods); without it deletes are immediate. */
  gracePeriod?: GracePeriodFor;
}

/** What a store is built over, named as upstream's Store struct names its fields. */
export interface StoreOptions extends StoreHooks {
  storage: Storage;
  /** The root of every key, `/registry` by default. */
  prefix: string;
  /**
   * Where the objects live under the prefix: the resource name, unless upstream
   * keeps them elsewhere (services/specs, services/endpoints).
   */
  keyRoot?: string;
  /** Runs before every create of a namespaced resource; none for cluster-scoped ones. */
  namespaceGate?: NamespaceGate;
  /** An immediate DELETE answers the object instead of a Status (upstream's ReturnDeletedObject). */
  returnsDeletedObject?: boolean;
  /** The admission chain a request's writes pass; the server's own writes (no user) skip it. */
  admission?: Admission;
}

/** How a read-modify-write differs from a client's plain update. */
export interface UpdateOptions extends WriteParams {
  /** A missing object is created (PUT), when the strategy allows create on update. */
  allowCreate?: boolean;
  /** The write comes through the status subresource: managed as `status`, prepareForUpdate skipped. */
  statusOnly?: boolean;
  /**
   * The server's own write (namespace finalization, the endpoint reconciler): no
   * validation, begin hooks or managedFields, and deletion metadata may change.
   */
  systemWrite?: boolean;
  /** A subresource's own update validation in place of the strategy's (pods/ephemeralcontainers). */
  validateUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
}

/**
 * A subresource that writes one part of the object: merge takes that part of
 * the request into the stored object, validateUpdate replaces the kind's rules.
 */
export interface PartialWrite {
  merge(current: KubeObject, requested: KubeObject): KubeObject;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}
