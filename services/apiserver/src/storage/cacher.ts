import { newGone } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { Backend, RangeStat } from './backend';
import { createCacheItemCodec, type CacheItemCodec } from './cache-item-codec';
import { CacheContents } from './cache-contents';
import { CacheWatcher, type WatchSelection } from './cacher-watcher';
import { CacheEntry, DecodedWorkingSet } from './decoded-working-set';
import { StorageError } from './errors';
import { DEFAULT_WATCHER_LIMITS, type WatcherLimits } from './watch-limits';
import type { ListOptions, ListResult, Storage, StorageWatchEvent, Watcher, WatchOptions } from './interface';
import { INITIAL_EVENTS_END_ANNOTATION } from './store';

/**
 * The per-replica watch cache of DESIGN.md ("Cluster shape"), as a Storage
 * decorator. For each resource prefix it keeps every object in memory as packed
 * bytes (decoded on demand into a bounded working set of frozen instances, one
 * per object version), the revision it has caught up to, and a ring of the last
 * events, fed by one list+watch of the inner Storage. Reads and watches are
 * served from memory; writes, exact-revision and paged reads go to the inner
 * Storage.
 */
export interface CacherOptions {
  /** Resource prefixes cached from the start, one per resource, e.g. '/registry/configmaps/'. */
  prefixes: string[];
  /**
   * Optional: maps a key to the resource prefix that should cache it, for resources
   * not known upfront (CRDs). The cache for that prefix starts on first read.
   * Returning undefined leaves the key to the inner Storage.
   */
  resourcePrefixOf?: (key: string) => string | undefined;
  /** Events kept per resource for watches that resume (--default-watch-cache-size); default 100. */
  watchCacheSize?: number;
  /** Backend under inner: its rangeStat lets consistent reads be served without waiting for events. */
  backend?: Backend;
  /** Events a watcher may fall behind before it is cut off; default 10,000. */
  maxWatcherBacklog?: number;
  /** Bytes (packed objects) a watcher may fall behind before it is cut off; default 32 MiB. */
  maxWatcherBacklogBytes?: number;
  /** How long a watcher may stay at half its bounds before it is closed for unresponsiveness; default 5 s. */
  watcherStallTimeoutMs?: number;
  /** How often watchers that asked for progress get a BOOKMARK; default 60 s. */
  bookmarkIntervalMs?: number;
  /** How long a read with resourceVersion N waits for the cache to reach N; default 3 s. */
  tooLargeResourceVersionWaitMs?: number;
  /** How long a consistent read waits for the cache before reading the inner Storage; default 3 s (100 ms without backend.rangeStat). */
  consistentReadWaitMs?: number;
  /** A watch from a revision older than the ring: 'expire' (410, as upstream) or 'storage' (serve it from inner). */
  tooOldWatch?: 'expire' | 'storage';
  /** Delay before re-listing after the inner watch failed; default 1 s. */
  relistDelayMs?: number;
  /**
   * How long a read waits for the cache to catch up before asking backend.rangeStat
   * whether the prefix changed at all (a quiet prefix never catches up); default 3 ms.
   */
  proofAfterMs?: number;
  /** How long a read waits for a cache that is starting before going to inner; default 10 s. */
  startWaitMs?: number;
  /** How cached objects are packed; default JSON, exactly as storage returned them. */
  itemCodec?: CacheItemCodec;
  /**
   * Packed bytes of the objects kept decoded, across every resource, least recently
   * read dropped first; default 8 MiB (a decoded object is a few times its bytes).
   */
  decodedWorkingSetBytes?: number;
}

export interface CacherStats {
  prefix: string;
  state: CacheState;
  revision: number;
  objects: number;
  ringStart: number;
  ringLength: number;
  watchers: number;
}

export interface CacheMemoryStats {
  /** Packed bytes of every cached object. */
  packedBytes: number;
  objects: number;
  /** Objects in the decoded working set, and their packed bytes. */
  decodedObjects: number;
  decodedPackedBytes: number;
}

export interface Cacher extends Storage {
  /** Resolves once every configured prefix has done its first list+watch. */
  ready(): Promise<void>;
  /** Stops the caches (watchers end); the inner Storage stays open. */
  stop(): void;
  stats(): CacherStats[];
  memoryStats(): CacheMemoryStats;
}

type CacheState = 'starting' | 'ready' | 'failed' | 'stopped';

interface RingEntry {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  prevObject?: KubeObject;
  revision: number;
  /** Packed size of the object, what a watcher buffering this event is charged. */
  bytes: number;
  /** prevObject at this revision, for watchers the object moved out of; made on first use. */
  left?: KubeObject;
}

/** Freezes a JSON value and everything in it, in place. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseResourceVersion(key: string, rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) {
    throw new StorageError('InvalidError', key, `resourceVersion: Invalid value: "${rv}": invalid resource version`);
  }
  return Number(rv);
}

function collectionKey(key: string, recursive: boolean | undefined): string {
  return recursive !== false && !key.endsWith('/') ? `${key}/` : key;
}

function rvOf(obj: KubeObject): string | undefined {
  return obj.metadata?.resourceVersion;
}

function labelsOf(obj: KubeObject | undefined): Readonly<Record<string, string>> | undefined {
  return obj?.metadata?.labels;
}

function modeOf(rv: number | undefined): 'any' | 'consistent' | number {
  if (rv === undefined) return 'consistent';
  return rv === 0 ? 'any' : rv;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/**
 * Runs fn for a batch of callers. A caller that arrives while a call is in flight
 * waits for the next call rather than joining it, because the answer must be read
 * after the caller arrived (linearizable reads).
 */
class NextCallBatcher<T> {
  private running?: Promise<T>;
  private queued?: Promise<T>;

  constructor(private readonly fn: () => Promise<T>) {}

  run(): Promise<T> {
    if (!this.running) {
      const p = this.fn();
      this.running = p;
      const clear = (): void => {
        if (this.running === p) this.running = undefined;
      };
      p.then(clear, clear);
      return p;
    }
    if (!this.queued) {
      const q = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.queued = q.then(() => {
        this.queued = undefined;
        return this.run();
      });
    }
    return this.queued;
  }
}

interface Settings {
  ringSize: number;
  watcherLimits: WatcherLimits;
  tooLargeWaitMs: number;
  consistentWaitMs: number;
  relistDelayMs: number;
  startWaitMs: number;
  proofAfterMs: number;
}

/** One resource: its objects, revision, event ring and watchers. */
class ResourceCache {
  state: CacheState = 'starting';
  /** Revision the cached state is at: every event of this prefix up to it has been applied. */
  revision = 0;
  /** The ring holds every event with a revision above this. */
  ringStart = 0;
  private contents = new CacheContents();
  private readonly ring: (RingEntry | undefined)[];
  private ringHead = 0;
  private ringLength = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: { revision: number; resolve: () => void }[] = [];
  private innerWatch?: Watcher;
  private readonly firstReady: Promise<void>;
  private resolveFirstReady!: () => void;
  private readonly stat?: NextCallBatcher<RangeStat>;
  private readonly current: NextCallBatcher<number>;
  /** The last successful proof: the state at `basis` was the store's state at `revision`. */
  private lastProof?: { basis: number; revision: number };

  constructor(
    readonly prefix: string,
    private readonly inner: Storage,
    private readonly settings: Settings,
    backend: Backend | undefined,
    private readonly codec: CacheItemCodec,
    private readonly working: DecodedWorkingSet,
  ) {
    this.ring = new Array<RingEntry | undefined>(settings.ringSize);
    this.firstReady = new Promise((resolve) => {
      this.resolveFirstReady = resolve;
    });
    this.current = new NextCallBatcher(() => inner.currentRevision());
    if (backend?.rangeStat) {
      const rangeStat = backend.rangeStat.bind(backend);
      this.stat = new NextCallBatcher(() => rangeStat(prefix));
    }
    void this.run();
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  ready(): Promise<void> {
    return this.firstReady;
  }

  stats(): CacherStats {
    return {
      prefix: this.prefix,
      state: this.state,
      revision: this.revision,
      objects: this.contents.size,
      ringStart: this.ringStart,
      ringLength: this.ringLength,
      watchers: this.watchers.size,
    };
  }

  /** Waits (bounded) for the first list+watch; false when the cache is not serving. */
  async usable(): Promise<boolean> {
    if (this.state === 'ready') return true;
    if (this.state !== 'starting') return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstReady,
      new Promise<void>((r) => {
        timer = setTimeout(r, this.settings.startWaitMs);
      }),
    ]);
    clearTimeout(timer);
    return this.isReady;
  }

  // ---- feeding the cache ----

  private async run(): Promise<void> {
    while (this.state !== 'stopped') {
      let failure: unknown;
      try {
        // One list+watch: the current state as ADDED events, a BOOKMARK closing them, then changes.
        const w = await this.inner.watch(this.prefix, { sendInitialEvents: true, progressNotify: true });
        if (this.stopped()) {
          w.stop();
          return;
        }
        this.innerWatch = w;
        let staging: CacheContents | undefined = new CacheContents();
        for await (const ev of w) {
          if (this.stopped()) return;
          if (ev.type === 'ERROR') {
            failure = ev.object;
            break;
          }
          if (staging) {
            if (ev.type === 'BOOKMARK') {
              if (ev.object.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] !== 'true') continue;
              staging.finishBulk();
              this.reset(staging, ev.revision);
              staging = undefined;
            } else if (ev.type === 'ADDED') {
              const key = this.keyOf(ev);
              // an unchanged object keeps its entry, and with it any decoded instance
              const old = this.contents.get(key);
              const entry = old && old.revision === ev.revision ? old : this.pack(ev.object, ev.revision);
              staging.putBulk(key, entry, labelsOf(ev.object));
            }
            continue;
          }
          this.apply(ev);
        }
        failure ??= new Error('inner watch ended');
      } catch (e) {
        failure = e;
      }
      if (this.stopped()) return;
      this.fail(failure);
      await sleep(this.settings.relistDelayMs);
    }
  }

  private stopped(): boolean {
    return this.state === 'stopped';
  }

  private keyOf(ev: StorageWatchEvent): string {
    if (ev.key !== undefined) return ev.key;
    // Stores that do not report keys: the registry's layout, <resource prefix>[<namespace>/]<name>.
    const m = ev.object.metadata ?? {};
    return `${this.prefix}${m.namespace ? `${m.namespace}/` : ''}${m.name ?? ''}`;
  }

  private pack(obj: KubeObject, revision: number): CacheEntry {
    return new CacheEntry(this.codec.pack(obj), revision);
  }

  /** The decoded, frozen object of an entry (shared while it stays in the working set). */
  private materialize(entry: CacheEntry): KubeObject {
    return this.working.obtain(entry, (e) => deepFreeze(this.codec.unpack(e)));
  }

  /** Starts over from a full state at revision. */
  private reset(next: CacheContents, revision: number): void {
    const kept = new Set(next.all());
    for (const old of this.contents.all()) if (!kept.has(old)) this.working.drop(old);
    this.contents = next;
    this.ring.fill(undefined);
    this.ringHead = 0;
    this.ringLength = 0;
    this.revision = revision;
    this.ringStart = revision;
    this.state = 'ready';
    this.resolveFirstReady();
    this.wake();
  }

  private fail(reason: unknown): void {
    this.state = 'failed';
    this.innerWatch?.stop();
    this.innerWatch = undefined;
    const detail = reason instanceof Error ? reason.message : 'the watch cache lost its watch';
    // Watchers cannot be resumed across a re-list: clients get 410 and list again.
    const status = newGone(`The watch cache for ${this.prefix} is re-listing (${detail}); list again.`);
    const ev: StorageWatchEvent = { type: 'ERROR', object: status.toStatus() as KubeObject, revision: this.revision };
    for (const w of [...this.watchers]) w.end(ev);
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.innerWatch?.stop();
    this.innerWatch = undefined;
    for (const w of [...this.watchers]) w.end();
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
    this.resolveFirstReady();
  }

  private apply(ev: StorageWatchEvent): void {
    if (ev.revision <= this.revision) return;
    if (ev.type === 'BOOKMARK') {
      this.revision = ev.revision;
      this.wake();
      return;
    }
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    const key = this.keyOf(ev);
    const previous = this.contents.get(key);
    const object = deepFreeze(ev.object);
    // The cached version when decoded already (shared with readers), else the store's copy of it.
    let prevObject: KubeObject | undefined;
    if (ev.type !== 'ADDED') {
      prevObject = previous?.decoded ?? (ev.prevObject ? deepFreeze(ev.prevObject) : undefined);
      if (!prevObject && previous) prevObject = this.materialize(previous);
    }
    const previousLabels = previous ? labelsOf(prevObject ?? this.materialize(previous)) : undefined;
    let bytes = previous?.bytes.length ?? 0;
    if (ev.type === 'DELETED') {
      if (previous) this.contents.remove(key, previousLabels);
    } else {
      const entry = this.pack(object, ev.revision);
      bytes = entry.bytes.length;
      // a version replacing one that readers use is likely read next: keep the event's instance
      if (previous?.decoded) this.working.adopt(entry, object);
      this.contents.put(key, entry, labelsOf(object), previousLabels);
    }
    if (previous) this.working.drop(previous);
    const entry: RingEntry = { type: ev.type, key, object, prevObject, revision: ev.revision, bytes };
    this.pushRing(entry);
    this.revision = ev.revision;
    for (const w of this.watchers) this.deliver(w, entry);
    this.wake();
  }

  private pushRing(entry: RingEntry): void {
    const size = this.ring.length;
    if (size === 0) {
      this.ringStart = entry.revision;
      return;
    }
    if (this.ringLength === size) {
      const evicted = this.ring[this.ringHead];
      if (evicted) this.ringStart = evicted.revision;
      this.ring[this.ringHead] = entry;
      this.ringHead = (this.ringHead + 1) % size;
    } else {
      this.ring[(this.ringHead + this.ringLength) % size] = entry;
      this.ringLength++;
    }
  }

  private ringAt(i: number): RingEntry {
    return this.ring[(this.ringHead + i) % this.ring.length] as RingEntry;
  }

  /** Sends a ring entry to one watcher, as that watcher's selection sees it. */
  private deliver(w: CacheWatcher, e: RingEntry): void {
    if (e.revision <= w.lastRevision || !w.matchesKey(e.key)) return;
    w.lastRevision = e.revision;
    const pred = w.selection.predicate;
    if (!pred) {
      w.push({ type: e.type, object: e.object, prevObject: e.prevObject, revision: e.revision, key: e.key }, e.bytes);
      return;
    }
    if (e.type === 'DELETED') {
      if (pred(e.object))
        w.push({ type: 'DELETED', object: e.object, prevObject: e.prevObject, revision: e.revision }, e.bytes);
      return;
    }
    const cur = pred(e.object);
    const prev = e.prevObject ? pred(e.prevObject) : false;
    if (cur && prev) {
      w.push({ type: 'MODIFIED', object: e.object, prevObject: e.prevObject, revision: e.revision }, e.bytes);
    } else if (cur) {
      w.push({ type: 'ADDED', object: e.object, revision: e.revision }, e.bytes);
    } else if (prev && e.prevObject) {
      // Leaving the selection reads as a deletion, with the last matching state at this revision.
      e.left ??= deepFreeze({
        ...e.prevObject,
        metadata: { ...(e.prevObject.metadata ?? {}), resourceVersion: String(e.revision) },
      });
      w.push({ type: 'DELETED', object: e.left, prevObject: e.prevObject, revision: e.revision }, e.bytes);
    }
  }

  // ---- freshness ----

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.revision <= this.revision) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Resolves true once the cache has reached revision, false after timeoutMs. */
  private waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    if (timeoutMs <= 0 || this.state === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.revision >= revision && this.state === 'ready');
        },
      };
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * With backend.rangeStat: whether the cached state (at `basis`) is the state of the
   * store at the stat's revision R: every key now under the prefix was last modified
   * at or before basis, and none is missing. The stat is read after the call.
   */
  private async proof(): Promise<{ basis: number; revision: number } | undefined> {
    if (!this.stat) return undefined;
    const s = await this.stat.run();
    const basis = this.revision;
    if (basis < s.revision && s.maxModRevision <= basis && s.count === this.contents.size) {
      this.lastProof = { basis, revision: s.revision };
      return this.lastProof;
    }
    return undefined;
  }

  /**
   * Serves a read from memory once the cache is fresh enough: 'any' (resourceVersion
   * "0") at once, 'consistent' ("") at the store's current revision, a number N at N
   * or later. fn runs synchronously with the revision to report, so the state it
   * reads is the one that was checked. Returns undefined when the read should go to
   * the inner Storage instead (cache not serving, or not caught up in time).
   */
  async read<T>(
    key: string,
    mode: 'any' | 'consistent' | number,
    fn: (revision: number) => T,
  ): Promise<{ value: T } | undefined> {
    if (!(await this.usable())) return undefined;
    if (mode === 'any') return this.isReady ? { value: fn(this.revision) } : undefined;
    const target = mode === 'consistent' ? await this.current.run() : mode;
    const waitMs = mode === 'consistent' ? this.settings.consistentWaitMs : this.settings.tooLargeWaitMs;
    const deadline = Date.now() + waitMs;
    let proof: { basis: number; revision: number } | undefined;
    // Events usually arrive within a moment; a quiet prefix never moves, so then ask the store.
    // A prefix proven quiet before, and still unchanged, is asked at once.
    const quiet = this.lastProof !== undefined && this.lastProof.basis === this.revision;
    const waitFirst = quiet ? 0 : this.settings.proofAfterMs;
    if (this.revision < target && this.stat && !(await this.waitFor(target, waitFirst))) {
      const p = await this.proof();
      if (p && p.revision >= target) proof = p;
    }
    for (;;) {
      if (!this.isReady) return undefined;
      if (this.revision >= target) return { value: fn(this.revision) };
      if (proof && this.revision === proof.basis) return { value: fn(proof.revision) };
      const remaining = deadline - Date.now();
      if (remaining > 0 && (await this.waitFor(target, remaining))) continue;
      if (!this.isReady) return undefined;
      if (this.revision >= target) continue;
      if (mode === 'consistent') return undefined;
      throw new StorageError('TooLargeResourceVersion', key, 'Too large resource version', target);
    }
  }

  // ---- reads ----

  packedSize(): { bytes: number; objects: number } {
    let bytes = 0;
    for (const e of this.contents.all()) bytes += e.bytes.length;
    return { bytes, objects: this.contents.size };
  }

  get(key: string): KubeObject | undefined {
    const entry = this.contents.get(key);
    return entry && this.materialize(entry);
  }

  list(
    prefix: string,
    recursive: boolean,
    pred: ((o: KubeObject) => boolean) | undefined,
    hint?: ListOptions['indexHint'],
  ): KubeObject[] {
    if (!recursive) {
      const obj = this.get(prefix);
      return obj && (!pred || pred(obj)) ? [obj] : [];
    }
    const items: KubeObject[] = [];
    const candidates = hint?.keys ? new Set(hint.keys) : this.contents.indexed(hint?.labels, this.contents.size);
    for (const k of this.contents.keysUnder(prefix, candidates)) {
      const entry = this.contents.get(k);
      if (!entry) continue;
      const obj = this.materialize(entry);
      if (!pred || pred(obj)) items.push(obj);
    }
    return items;
  }

  // ---- watches ----

  /**
   * A watcher starting after revision `after`; replays the ring from there when
   * replay is set (the caller checked after >= ringStart), else starts with the
   * given initial objects.
   */
  addWatcher(
    selection: WatchSelection,
    after: number,
    opts: { replay: boolean; initial?: KubeObject[]; initialEndBookmark?: boolean },
  ): CacheWatcher {
    const w = new CacheWatcher(selection, after, this.settings.watcherLimits, (x) => this.watchers.delete(x));
    if (opts.initial) {
      w.allowExtra(opts.initial.length + 1);
      for (const obj of opts.initial) {
        w.push({ type: 'ADDED', object: obj, revision: Number(rvOf(obj) ?? after) });
      }
    }
    if (opts.initialEndBookmark) {
      w.push({
        type: 'BOOKMARK',
        object: {
          metadata: { resourceVersion: String(after), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } },
        },
        revision: after,
      });
    }
    if (opts.replay && after < this.revision) {
      // Ring entries are in revision order: find the first one after `after`.
      let lo = 0;
      let hi = this.ringLength;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.ringAt(mid).revision <= after) lo = mid + 1;
        else hi = mid;
      }
      // what the ring replays is bounded by the ring; the bounds are for falling behind after that
      let bytes = 0;
      for (let i = lo; i < this.ringLength; i++) bytes += this.ringAt(i).bytes;
      w.allowExtra(this.ringLength - lo, bytes);
      for (let i = lo; i < this.ringLength && !w.isClosed; i++) this.deliver(w, this.ringAt(i));
    }
    if (!w.isClosed) this.watchers.add(w);
    return w;
  }

  /** Sends a progress BOOKMARK to watchers that asked and have not seen this revision. */
  bookmark(): void {
    if (!this.isReady) return;
    for (const w of this.watchers) {
      // Also after changes the watcher did not select: its client learns how far it has got.
      if (!w.selection.progressNotify || w.sentRevision >= this.revision || w.lastRevision > this.revision) continue;
      w.lastRevision = this.revision;
      w.push({
        type: 'BOOKMARK',
        object: { metadata: { resourceVersion: String(this.revision) } },
        revision: this.revision,
      });
    }
  }
}

export function createCacher(inner: Storage, opts: CacherOptions): Cacher {
  const consistentDefault = opts.backend?.rangeStat ? 3000 : 100;
  const settings: Settings = {
    ringSize: Math.max(0, Math.floor(opts.watchCacheSize ?? 100)),
    watcherLimits: {
      maxEvents: Math.max(1, Math.floor(opts.maxWatcherBacklog ?? DEFAULT_WATCHER_LIMITS.maxEvents)),
      maxBytes: Math.max(1, opts.maxWatcherBacklogBytes ?? DEFAULT_WATCHER_LIMITS.maxBytes),
      stallTimeoutMs: Math.max(0, opts.watcherStallTimeoutMs ?? DEFAULT_WATCHER_LIMITS.stallTimeoutMs),
    },
    tooLargeWaitMs: opts.tooLargeResourceVersionWaitMs ?? 3000,
    consistentWaitMs: opts.consistentReadWaitMs ?? consistentDefault,
    relistDelayMs: opts.relistDelayMs ?? 1000,
    startWaitMs: opts.startWaitMs ?? 10_000,
    proofAfterMs: opts.proofAfterMs ?? 3,
  };
  const tooOldWatch = opts.tooOldWatch ?? 'expire';
  const codec = opts.itemCodec ?? createCacheItemCodec(undefined);
  const working = new DecodedWorkingSet(opts.decodedWorkingSetBytes ?? 8 * 1024 * 1024);
  const caches = new Map<string, ResourceCache>();
  let stopped = false;

  const start = (prefix: string): ResourceCache => {
    let c = caches.get(prefix);
    if (!c) {
      c = new ResourceCache(prefix, inner, settings, opts.backend, codec, working);
      caches.set(prefix, c);
    }
    return c;
  };
  for (const p of opts.prefixes) start(p.endsWith('/') ? p : `${p}/`);
  const eager = [...caches.values()];

  /** The cache that holds key (a key or a collection prefix), if any. */
  const cacheFor = (key: string): ResourceCache | undefined => {
    if (stopped) return undefined;
    let best: ResourceCache | undefined;
    for (const c of caches.values()) {
      if (key.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
    }
    if (best) return best;
    const p = opts.resourcePrefixOf?.(key);
    if (p === undefined || !key.startsWith(p)) return undefined;
    return start(p.endsWith('/') ? p : `${p}/`);
  };

  const bookmarkTimer = setInterval(() => {
    for (const c of caches.values()) c.bookmark();
  }, opts.bookmarkIntervalMs ?? 60_000);
  bookmarkTimer.unref();

  async function list(keyPrefix: string, o: ListOptions = {}): Promise<ListResult> {
    const recursive = o.recursive !== false;
    const prefix = collectionKey(keyPrefix, o.recursive);
    const rv = parseResourceVersion(prefix, o.resourceVersion);
    const limit = o.limit && o.limit > 0 ? o.limit : 0;
    const continuing = o.continueKey !== undefined && o.continueKey !== '';
    // Paging and exact revisions are etcd's: the cache holds only the latest state.
    const exact =
      rv !== undefined && rv > 0 && (o.resourceVersionMatch === 'Exact' || (!o.resourceVersionMatch && limit > 0));
    const delegated = continuing || exact || (limit > 0 && rv !== 0);
    const c = delegated ? undefined : cacheFor(prefix);
    if (!c) return inner.list(keyPrefix, o);
    // resourceVersion "0" lists are served from the cache whole; the limit is ignored, as upstream does.
    const served = await c.read(prefix, modeOf(rv), (revision): ListResult => ({
      items: c.list(prefix, recursive, o.predicate, o.indexHint),
      revision,
    }));
    return served ? served.value : inner.list(keyPrefix, o);
  }

  async function watch(key: string, o: WatchOptions = {}): Promise<Watcher> {
    const recursive = o.recursive !== false;
    const watchKey = collectionKey(key, o.recursive);
    const rv = parseResourceVersion(watchKey, o.resourceVersion);
    const c = cacheFor(watchKey);
    if (!c || !(await c.usable())) return inner.watch(key, o);
    const sendInitial = o.sendInitialEvents ?? (rv === undefined || rv === 0);
    const selection: WatchSelection = {
      key: watchKey,
      recursive,
      predicate: o.predicate,
      progressNotify: o.progressNotify === true,
    };
    if (sendInitial || rv === undefined || rv === 0) {
      // "" starts at the current state, "0" at any state, N (with initial events) at N or later.
      const served = await c.read(watchKey, modeOf(rv), (revision) =>
        c.addWatcher(selection, revision, {
          replay: false,
          initial: sendInitial ? c.list(watchKey, recursive, o.predicate) : undefined,
          initialEndBookmark: o.sendInitialEvents === true,
        }),
      );
      return served ? served.value : inner.watch(key, o);
    }
    if (rv < c.ringStart) {
      if (tooOldWatch === 'storage') return inner.watch(key, o);
      throw new StorageError('Expired', watchKey, `too old resource version: ${rv} (${c.ringStart})`, rv);
    }
    return c.addWatcher(selection, rv, { replay: true });
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(bookmarkTimer);
    for (const c of caches.values()) c.stop();
  }

  return {
    async get(key, o = {}) {
      const rv = parseResourceVersion(key, o.resourceVersion);
      const c = cacheFor(key);
      if (!c) return inner.get(key, o);
      const served = await c.read(key, modeOf(rv), () => c.get(key));
      if (!served) return inner.get(key, o);
      if (served.value) return served.value;
      if (o.ignoreNotFound) return null;
      throw new StorageError('KeyNotFound', key, `key "${key}" not found`);
    },
    list,
    watch,
    create: (key, obj, o) => inner.create(key, obj, o),
    sizeLimitError: (obj) => inner.sizeLimitError?.(obj),
    guaranteedUpdate: (key, pre, tryUpdate, o) => inner.guaranteedUpdate(key, pre, tryUpdate, o),
    delete: (key, pre, o) => inner.delete(key, pre, o),
    count: (keyPrefix) => inner.count(keyPrefix),
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    async ready() {
      await Promise.all(eager.map((c) => c.ready()));
    },
    stop,
    stats: () => [...caches.values()].map((c) => c.stats()),
    memoryStats() {
      let packedBytes = 0;
      let objects = 0;
      for (const c of caches.values()) {
        const m = c.packedSize();
        packedBytes += m.bytes;
        objects += m.objects;
      }
      return { packedBytes, objects, decodedObjects: working.size, decodedPackedBytes: working.usedBytes };
    },
    async close() {
      stop();
      await inner.close();
    },
  };
}
