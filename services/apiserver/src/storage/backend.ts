/**
 * The key-value layer under the object store: what etcd offers and what the
 * embedded SQLite log imitates. Revisions are plain numbers; etcd's int64
 * revisions stay far below 2^53 in practice.
 */
export interface KV {
  key: string;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  /** Set by value transformers: read with an old key or provider, so an unchanged update must still rewrite it. */
  stale?: boolean;
}

export interface RangeOptions {
  /** Read the state as of this revision; 0 or undefined reads the latest. */
  revision?: number;
  /** At most this many kvs; 0 or undefined means no limit. */
  limit?: number;
  /** First key to include (inclusive); must be inside the prefix. */
  startKey?: string;
}

export interface RangeResult {
  kvs: KV[];
  /** Revision the range was served at. */
  revision: number;
  /** More keys exist after the last one returned. */
  more: boolean;
  /** Number of keys in [startKey or prefix, end of prefix) at that revision. */
  count: number;
}

/** What a watch cache needs to prove it is current without reading the values (see Backend.rangeStat). */
export interface RangeStat {
  /** Store revision the stat was read at (a linearizable read). */
  revision: number;
  /** Number of keys under the prefix at that revision. */
  count: number;
  /** Highest mod revision among those keys; 0 when there are none. */
  maxModRevision: number;
}

export interface BackendEvent {
  type: 'put' | 'delete';
  /** For deletes: key, empty value, modRevision = the deletion revision. */
  kv: KV;
  /** State before this event, when it still existed. */
  prevKv?: KV;
  revision: number;
}

export interface BackendWatchOptions {
  /** Deliver events with revision strictly greater than this. */
  afterRevision: number;
  /** true: keyOrPrefix is a prefix; false: a single key. */
  recursive: boolean;
}

export interface BackendWatchHandlers {
  onEvents(events: BackendEvent[]): void;
  /** The watch ended abnormally (e.g. it fell behind compaction); no more events follow. */
  onError(err: Error): void;
  /** The store has reached this revision with nothing more for this watch (etcd progress notify). */
  onProgress?(revision: number): void;
}

export interface BackendWatch {
  cancel(): Promise<void>;
}

export type WriteResult = { ok: true; revision: number } | { ok: false; current?: KV };
export type DeleteResult = { ok: true; revision: number; prevKv: KV } | { ok: false; current?: KV };

export interface Backend {
  readonly name: 'etcd3' | 'embedded';
  /**
   * Runs the server's own start-up writes (made again on every start, before any
   * client is served) without a flush per write, then makes them durable at once.
   */
  startupWrites?<T>(fn: () => Promise<T>): Promise<T>;
  /** Latest state of one key; kv undefined when absent. */
  get(key: string): Promise<{ kv?: KV; revision: number }>;
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  count(prefix: string): Promise<number>;
  /** Creates key; fails (ok:false, current set) when it exists. */
  create(key: string, value: Buffer, opts?: { ttlSeconds?: number }): Promise<WriteResult>;
  /** Compare-and-swap on the key's mod revision; on mismatch returns the current kv (if any). */
  update(key: string, value: Buffer, expectedModRevision: number): Promise<WriteResult>;
  /** Deletes key, only if its mod revision is the expected one when given. */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult>;
  /**
   * Starts a watch. Throws StorageError 'Expired' when afterRevision is already
   * compacted, 'TooLargeResourceVersion' when it is in the future.
   */
  watch(keyOrPrefix: string, opts: BackendWatchOptions, handlers: BackendWatchHandlers): Promise<BackendWatch>;
  currentRevision(): Promise<number>;
  /**
   * Optional: key count and highest mod revision under prefix at the current revision,
   * in one linearizable read. A watch cache whose state at revision C has the same
   * count and no key modified after C holds exactly the state at the returned revision.
   */
  rangeStat?(prefix: string): Promise<RangeStat>;
  /** Optional: bytes the database file takes (etcd's dbSize), for apiserver_storage_size_bytes. */
  storageSize?(): Promise<number>;
  /** Drops history older than revision; reads and watches below it then fail with Expired. */
  compact(revision: number): Promise<void>;
  healthCheck(): Promise<void>;
  close(): Promise<void>;
}

/** The first key after every key starting with prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  // A prefix made only of U+FFFF has no end inside the key space.
  return '\u0000';
}
