import type { KubeObject } from '../api/object';
import type { StorageError } from './errors';

/** A watch event as the storage layer reports it; `object` carries its resourceVersion. */
export interface StorageWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
  /** The previous object for MODIFIED and DELETED, when known. */
  prevObject?: KubeObject;
  revision: number;
  /** Storage key of the object, when the store knows it (the watch cache indexes by it). */
  key?: string;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** A selection that depends on an object's labels alone (undefined when it has none). */
export type LabelPredicate = (labels: Readonly<Record<string, string>> | undefined) => boolean;

export interface ListOptions {
  /** "" or undefined: most recent; "0": any; otherwise a revision. */
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  limit?: number;
  /** Key to continue from (exclusive), decoded from a continue token by the caller. */
  continueKey?: string;
  /** Revision a continued list must be served at. */
  continueRevision?: number;
  /** Filter applied before the limit is counted, as upstream's SelectionPredicate. */
  predicate?: (obj: KubeObject) => boolean;
  /**
   * Set when the predicate reads nothing but the object's labels: the same test on
   * them, so a cache holding packed objects may run it on labels read from the bytes.
   */
  labelPredicate?: LabelPredicate;
  /**
   * What the predicate requires, as data a cache can index on: labels every match
   * carries with exactly these values. The predicate stays authoritative.
   */
  indexHint?: {
    labels?: Record<string, string>;
    /** Every match is one of these keys. */
    keys?: string[];
    /** Field values every match has (a field selector's equalities), for a cache's field indexes. */
    fields?: Record<string, string>;
  };
  /** Default true: key is a collection prefix ("/" is appended if missing). false: key is one object's key. */
  recursive?: boolean;
}

export interface ListResult {
  items: KubeObject[];
  /** Store revision the list was served at. */
  revision: number;
  /** Last key returned when the list was cut by limit; undefined when complete. */
  continueKey?: string;
  remainingItemCount?: number;
}

/** List items produced one at a time, so a large list need not hold every decoded object at once. */
export interface LazyItems {
  readonly length: number;
  at(index: number): KubeObject | undefined;
  /**
   * The item as the protobuf message `messageType`, when the store holds exactly those
   * bytes (the watch cache's packed form): read without decoding the item. Undefined
   * when it does not, and the item is encoded from at(index) instead.
   */
  protobufAt?(index: number, messageType: string): Uint8Array | undefined;
}

export interface LazyListResult extends Omit<ListResult, 'items'> {
  items: LazyItems;
}

/**
 * An item list as a mapped view: each item converted when it is read. `keepsMessage`
 * says f leaves every protobuf message field as it is (it sets TypeMeta at most), so
 * the items' stored protobuf bytes still are theirs.
 */
export function mapLazyItems(items: LazyItems, f: (o: KubeObject) => KubeObject, keepsMessage = false): LazyItems {
  const at = (i: number): KubeObject | undefined => {
    const o = items.at(i);
    return o === undefined ? undefined : f(o);
  };
  const protobufAt = keepsMessage ? items.protobufAt?.bind(items) : undefined;
  return protobufAt ? { length: items.length, at, protobufAt } : { length: items.length, at };
}

export interface WatchOptions {
  /**
   * Revision to start after. ""/undefined/"0": the current state first, as synthetic
   * ADDED events, then changes (upstream's "most recent"/"any"). A compacted revision
   * makes watch() throw StorageError 'Expired'; falling behind compaction later ends
   * the watch with an ERROR event (a 410 Expired Status).
   */
  resourceVersion?: string;
  /** Default true: key is a collection prefix. false: key is one object's key. */
  recursive?: boolean;
  predicate?: (obj: KubeObject) => boolean;
  /**
   * Send synthetic ADDED events for the current state first. Defaults to true for
   * resourceVersion ""/"0" and false otherwise; explicitly true also sends the
   * BOOKMARK annotated k8s.io/initial-events-end after them; explicitly false with
   * ""/"0" starts from the current revision without initial events.
   */
  sendInitialEvents?: boolean;
  /** What the predicate requires, as data: field values every match has (see ListOptions.indexHint). */
  indexHint?: { fields?: Record<string, string> };
  /** Emit BOOKMARK events (object: {metadata: {resourceVersion}}) when the store reports progress. */
  progressNotify?: boolean;
}

export interface Watcher {
  /** Async iteration ends when stop() is called or the watch fails (after an ERROR event). */
  [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent>;
  stop(): void;
  /**
   * Aborted when storage gives up on the consumer: it fell too far behind or
   * stopped pulling and was closed for unresponsiveness. A consumer that is
   * waiting on something else (a full socket) and so would not see the end of
   * iteration should end its stream then; its client watches again from the last
   * revision it received, which is safe because nothing after a gap is ever sent.
   */
  readonly closedByStorage?: AbortSignal;
  /**
   * Resolves once the events the watch starts with (its initial state) have
   * been handed to the consumer: until then the watch holds its APF seats, as
   * upstream's watch initialization signal. Absent: initialized at once.
   */
  readonly initialized?: Promise<void>;
}

/**
 * Returns the new object, or throws to abort the update. `current` is a private copy.
 * Called again with fresh state after a conflict.
 */
export type UpdateFunc = (current: KubeObject) => KubeObject | Promise<KubeObject>;

/**
 * The storage interface of DESIGN.md: object-level operations on keys. Keys are full
 * storage keys (prefix included). Errors thrown are StorageError (./errors).
 */
export interface Storage {
  get(key: string, opts?: { resourceVersion?: string; ignoreNotFound?: boolean }): Promise<KubeObject | null>;
  list(keyPrefix: string, opts?: ListOptions): Promise<ListResult>;
  /** As list, with items decoded as they are read; storages without it are listed eagerly. */
  listLazy?(keyPrefix: string, opts?: ListOptions): Promise<LazyListResult>;
  watch(key: string, opts?: WatchOptions): Promise<Watcher>;
  create(key: string, obj: KubeObject, opts?: { ttlSeconds?: number; dryRun?: boolean }): Promise<KubeObject>;
  guaranteedUpdate(
    key: string,
    preconditions: Preconditions | undefined,
    tryUpdate: UpdateFunc,
    opts?: { ignoreNotFound?: boolean; dryRun?: boolean },
  ): Promise<KubeObject>;
  delete(
    key: string,
    preconditions?: Preconditions,
    opts?: { dryRun?: boolean; validateDeletion?: (obj: KubeObject) => void | Promise<void> },
  ): Promise<KubeObject>;
  count(keyPrefix: string): Promise<number>;
  /**
   * The error a create of `obj` would fail with because its stored value is over the size limit,
   * found without writing; undefined when it fits. Lets a create refuse an oversized object before
   * the costly work that only makes it bigger (managedFields). Optional: wrappers may not pass it on.
   */
  sizeLimitError?(obj: KubeObject): StorageError | undefined;
  /** Current store revision (etcd header revision). */
  currentRevision(): Promise<number>;
  /** Throws when the backend is unreachable; used by /readyz. */
  healthCheck(): Promise<void>;
  close(): Promise<void>;
}
