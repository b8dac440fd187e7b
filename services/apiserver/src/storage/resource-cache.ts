import { newGone } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { RangeStat } from './backend';
import { CacheContents } from './cache-contents';
import type { SharedCacheParts } from './cacher-settings';
import { CacheWatcher, type WatchSelection } from './cacher-watcher';
import { CacheEntry } from './decoded-working-set';
import { deepFreeze } from './deep-freeze';
import { StorageError } from './errors';
import { EventRing, type RingEntry } from './event-ring';
import { IndexTerms, type CacheIndexers } from './index-terms';
import type { LabelPredicate, LazyItems, ListOptions, Storage, StorageWatchEvent, Watcher } from './interface';
import { NextCallBatcher } from './next-call-batcher';
import { INITIAL_EVENTS_END_ANNOTATION } from './store';
import { CacheWatchers, deliverEvent } from './watch-dispatch';

/** Lists up to this many items read through the working set (hot small lists stay decoded). */
const WORKING_SET_LIST_ITEMS = 2000;

export type CacheState = 'starting' | 'ready' | 'failed' | 'stopped';

export interface CacherStats {
  prefix: string;
  state: CacheState;
  revision: number;
  objects: number;
  ringStart: number;
  ringLength: number;
  watchers: number;
  /** Watchers filed under a value of an indexed field (dispatched through the index). */
  indexedWatchers: number;
  indexedFields: string[];
  /** Lists served from memory, and those of them read through a field index (upstream's apiserver_cache_list_total). */
  lists: number;
  indexedLists: number;
  /** Objects lists read, and returned after the predicate (apiserver_cache_list_fetched/returned_objects_total). */
  fetchedObjects: number;
  returnedObjects: number;
  /** Object events the cache took in, and those it handed to its watchers (each once, however many watch). */
  eventsReceived: number;
  eventsDispatched: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/**
 * The watch cache of one resource: its objects as packed bytes (decoded on
 * demand into the shared working set), the revision it has caught up to, a
 * ring of the last events and its watchers, fed by one list+watch of the
 * resource's prefix in the inner Storage.
 */
export class ResourceCache {
  state: CacheState = 'starting';
  /** Revision the cached state is at: every event of this prefix up to it has been applied. */
  revision = 0;
  private contents = new CacheContents();
  private readonly ring: EventRing;
  private readonly watchers = new CacheWatchers();
  private readonly terms: IndexTerms;
  /** Bumped when indexers are added, so a list+watch in progress re-indexes what it staged. */
  private indexGeneration = 0;
  private readonly counters = {
    lists: 0,
    indexedLists: 0,
    fetchedObjects: 0,
    returnedObjects: 0,
    eventsReceived: 0,
    eventsDispatched: 0,
  };
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
    private readonly parts: SharedCacheParts,
    indexers?: CacheIndexers,
  ) {
    this.terms = new IndexTerms(indexers);
    this.ring = new EventRing(parts.settings.ringSize);
    this.firstReady = new Promise((resolve) => {
      this.resolveFirstReady = resolve;
    });
    this.current = new NextCallBatcher(() => inner.currentRevision());
    const backend = parts.backend;
    if (backend?.rangeStat) {
      const rangeStat = backend.rangeStat.bind(backend);
      this.stat = new NextCallBatcher(() => rangeStat(prefix));
    }
    void this.run();
  }

  /** The ring holds every event with a revision above this. */
  get ringStart(): number {
    return this.ring.start;
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
      ringStart: this.ring.start,
      ringLength: this.ring.length,
      watchers: this.watchers.size,
      indexedWatchers: this.watchers.filed,
      indexedFields: this.terms.indexedFields,
      ...this.counters,
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
        timer = setTimeout(r, this.parts.settings.startWaitMs);
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
        const stagedGeneration = this.indexGeneration;
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
              if (stagedGeneration !== this.indexGeneration) this.reindex(staging);
              this.reset(staging, ev.revision);
              staging = undefined;
            } else if (ev.type === 'ADDED') {
              const key = this.keyOf(ev);
              // an unchanged object keeps its entry, and with it any decoded instance
              const old = this.contents.get(key);
              const entry = old && old.revision === ev.revision ? old : this.pack(ev.object, ev.revision);
              staging.putBulk(key, entry, this.terms.of(ev.object));
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
      await sleep(this.parts.settings.relistDelayMs);
    }
  }

  /**
   * Adds indexers to a cache that may hold objects already (a resource registered
   * again, e.g. by a kind served in another group but stored here).
   */
  addIndexers(indexers: CacheIndexers): void {
    if (!this.terms.add(indexers)) return;
    this.indexGeneration++;
    this.reindex(this.contents);
  }

  private reindex(contents: CacheContents): void {
    for (const [key, entry] of [...contents.pairs()]) {
      const terms = this.terms.of(this.materialize(entry));
      // put with no previous terms only adds: the old terms are a subset of the new ones
      contents.put(key, entry, terms, []);
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
    return new CacheEntry(this.parts.codec.pack(obj), revision);
  }

  /** The decoded, frozen object of an entry (shared while it stays in the working set). */
  private materialize(entry: CacheEntry): KubeObject {
    return this.parts.working.obtain(entry, (e) => deepFreeze(this.parts.codec.unpack(e)));
  }

  /** Starts over from a full state at revision. */
  private reset(next: CacheContents, revision: number): void {
    const kept = new Set(next.all());
    for (const old of this.contents.all()) if (!kept.has(old)) this.parts.working.drop(old);
    this.contents = next;
    this.revision = revision;
    this.ring.reset(revision);
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
    for (const w of this.watchers.all()) w.end(ev);
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.innerWatch?.stop();
    this.innerWatch = undefined;
    for (const w of this.watchers.all()) w.end();
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
    this.counters.eventsReceived++;
    const key = this.keyOf(ev);
    const previous = this.contents.get(key);
    const object = deepFreeze(ev.object);
    // The cached version when decoded already (shared with readers), else the store's copy of it.
    let prevObject: KubeObject | undefined;
    if (ev.type !== 'ADDED') {
      prevObject = previous?.decoded ?? (ev.prevObject ? deepFreeze(ev.prevObject) : undefined);
      if (!prevObject && previous) prevObject = this.materialize(previous);
    }
    const previousTerms = previous ? this.terms.of(prevObject ?? this.materialize(previous)) : [];
    let bytes = previous?.bytes.length ?? 0;
    if (ev.type === 'DELETED') {
      if (previous) this.contents.remove(key, previousTerms);
    } else {
      const entry = this.pack(object, ev.revision);
      bytes = entry.bytes.length;
      // a version replacing one that readers use is likely read next: keep the event's instance
      if (previous?.decoded) this.parts.working.adopt(entry, object);
      this.contents.put(key, entry, this.terms.of(object), previousTerms);
    }
    if (previous) this.parts.working.drop(previous);
    const entry: RingEntry = { type: ev.type, key, object, prevObject, revision: ev.revision, bytes };
    this.ring.push(entry);
    this.revision = ev.revision;
    const fieldTerms =
      this.watchers.filed > 0 ? [...this.terms.fieldTermsOf(object), ...this.terms.fieldTermsOf(prevObject)] : [];
    this.watchers.dispatch(entry, fieldTerms);
    this.counters.eventsDispatched++;
    this.wake();
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
    const waitMs = mode === 'consistent' ? this.parts.settings.consistentWaitMs : this.parts.settings.tooLargeWaitMs;
    const deadline = Date.now() + waitMs;
    let proof: { basis: number; revision: number } | undefined;
    // Events usually arrive within a moment; a quiet prefix never moves, so then ask the store.
    // A prefix proven quiet before, and still unchanged, is asked at once.
    const quiet = this.lastProof !== undefined && this.lastProof.basis === this.revision;
    const waitFirst = quiet ? 0 : this.parts.settings.proofAfterMs;
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
    labelPred?: LabelPredicate,
  ): KubeObject[] {
    const entries = this.listEntries(
      prefix,
      recursive,
      this.test(pred, labelPred, (e) => this.materialize(e)),
      hint,
    );
    return entries.map((e) => this.materialize(e));
  }

  /**
   * The matching entries, each decoded only when read. A large list decodes its
   * items outside the working set: they are garbage once written, instead of
   * every one being alive until the whole list is (and the set being flushed).
   */
  listLazy(
    prefix: string,
    recursive: boolean,
    pred: ((o: KubeObject) => boolean) | undefined,
    hint?: ListOptions['indexHint'],
    labelPred?: LabelPredicate,
  ): LazyItems {
    const transient = (e: CacheEntry): KubeObject => e.decoded ?? deepFreeze(this.parts.codec.unpack(e));
    const entries = this.listEntries(prefix, recursive, this.test(pred, labelPred, transient), hint);
    const read = entries.length <= WORKING_SET_LIST_ITEMS ? (e: CacheEntry) => this.materialize(e) : transient;
    return {
      length: entries.length,
      at: (i) => {
        const e = entries[i];
        return e === undefined ? undefined : read(e);
      },
      // a protobuf entry is packed as its message: a protobuf list copies it, never decoding it
      protobufAt: (i, messageType) => {
        const e = entries[i];
        return e !== undefined && e.type.messageType === messageType ? Buffer.from(e.bytes, 'latin1') : undefined;
      },
    };
  }

  /**
   * The predicate as a test of entries: a label-only one reads a packed entry's labels
   * from its bytes when the codec can (nothing else of it is decoded), the others decode.
   */
  private test(
    pred: ((o: KubeObject) => boolean) | undefined,
    labelPred: LabelPredicate | undefined,
    decode: (e: CacheEntry) => KubeObject,
  ): ((e: CacheEntry) => boolean) | undefined {
    if (!pred) return undefined;
    const labelsOf = this.parts.codec.labelsOf;
    if (!labelPred || !labelsOf) return (e) => pred(decode(e));
    return (e) => {
      if (e.decoded) return pred(e.decoded);
      const labels = labelsOf(e);
      return labels === null ? pred(decode(e)) : labelPred(labels);
    };
  }

  private listEntries(
    prefix: string,
    recursive: boolean,
    test: ((e: CacheEntry) => boolean) | undefined,
    hint: ListOptions['indexHint'],
  ): CacheEntry[] {
    if (!recursive) {
      const entry = this.contents.get(prefix);
      return entry && (!test || test(entry)) ? [entry] : [];
    }
    const items: CacheEntry[] = [];
    const index = hint?.keys
      ? undefined
      : this.contents.indexed(this.terms.required(hint?.labels, hint?.fields), this.contents.size);
    const candidates = hint?.keys ? new Set(hint.keys) : index?.keys;
    let fetched = 0;
    for (const k of this.contents.keysUnder(prefix, candidates)) {
      const entry = this.contents.get(k);
      if (!entry) continue;
      fetched++;
      if (!test || test(entry)) items.push(entry);
    }
    this.counters.lists++;
    if (index?.field) this.counters.indexedLists++;
    this.counters.fetchedObjects += fetched;
    this.counters.returnedObjects += items.length;
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
    opts: { replay: boolean; initial?: LazyItems; initialEndBookmark?: boolean },
  ): CacheWatcher {
    const w = new CacheWatcher(selection, after, this.parts.settings.watcherLimits, (x) => this.watchers.delete(x));
    if (opts.initial) {
      w.allowExtra(1);
      w.startWith(opts.initial, after);
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
      const lo = this.ring.firstAfter(after);
      // what the ring replays is bounded by the ring; the bounds are for falling behind after that
      let bytes = 0;
      for (let i = lo; i < this.ring.length; i++) bytes += this.ring.at(i).bytes;
      w.allowExtra(this.ring.length - lo, bytes);
      for (let i = lo; i < this.ring.length && !w.isClosed; i++) deliverEvent(w, this.ring.at(i));
    }
    if (!w.isClosed) this.watchers.add(w, this.terms.watcherTerm(selection.indexFields));
    return w;
  }

  /** Sends a progress BOOKMARK to watchers that asked and have not seen this revision. */
  bookmark(): void {
    if (!this.isReady) return;
    for (const w of this.watchers.all()) {
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
