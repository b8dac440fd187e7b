import type { SharedCacheParts } from './cacher-settings';
import type { WatchSelection } from './cacher-watcher';
import type { CacheIndexers } from './index-terms';
import { StorageError } from './errors';
import type { LazyListResult, ListOptions, ListResult, Storage, Watcher, WatchOptions } from './interface';
import { ResourceCache, type CacherStats } from './resource-cache';

/**
 * The cacher of one resource, as upstream's Cacher: a Storage serving gets,
 * lists and watches under its prefix from its own watch cache (its own
 * list+watch of etcd, ring, watchers, bookmarks and readiness), everything else
 * (writes, exact-revision and paged reads, keys outside the prefix) from inner.
 */
export interface ResourceCacher extends Storage {
  readonly prefix: string;
  /** Resolves once the first list+watch is done (or the cacher stopped). */
  ready(): Promise<void>;
  /** Stops the cache (its watchers end); inner stays open. */
  stop(): void;
  stats(): CacherStats;
  /** Indexes more fields (a second kind stored under the same prefix declared them). */
  addIndexers(indexers: CacheIndexers): void;
  packedSize(): { bytes: number; objects: number };
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

function modeOf(rv: number | undefined): 'any' | 'consistent' | number {
  if (rv === undefined) return 'consistent';
  return rv === 0 ? 'any' : rv;
}

/** What a resource asks of its cacher beyond the replica's settings. */
export interface ResourceCacheOptions {
  /** Fields to index (upstream's IndexerFuncs); see index-terms.ts. */
  indexers?: CacheIndexers;
}

/** prefix: the resource's collection key, e.g. '/registry/configmaps/'. */
export function createResourceCacher(
  inner: Storage,
  prefix: string,
  parts: SharedCacheParts,
  resource: ResourceCacheOptions = {},
): ResourceCacher {
  const root = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const { settings } = parts;
  const cache = new ResourceCache(root, inner, parts, resource.indexers);
  let stopped = false;
  const mine = (key: string): boolean => !stopped && key.startsWith(root);

  // each resource sends its own progress bookmarks, as each upstream Cacher has its own timer
  const bookmarkTimer = setInterval(() => cache.bookmark(), settings.bookmarkIntervalMs);
  bookmarkTimer.unref();

  async function get(key: string, o: { resourceVersion?: string; ignoreNotFound?: boolean } = {}) {
    const rv = parseResourceVersion(key, o.resourceVersion);
    if (!mine(key)) return inner.get(key, o);
    const served = await cache.read(key, modeOf(rv), () => cache.get(key));
    if (!served) return inner.get(key, o);
    if (served.value) return served.value;
    if (o.ignoreNotFound) return null;
    throw new StorageError('KeyNotFound', key, `key "${key}" not found`);
  }

  /** Whether the cache serves this list, and how it reads its key; undefined means storage lists it. */
  function cachedListKey(keyPrefix: string, o: ListOptions): { key: string; rv: number | undefined } | undefined {
    const key = collectionKey(keyPrefix, o.recursive);
    const rv = parseResourceVersion(key, o.resourceVersion);
    const limit = o.limit && o.limit > 0 ? o.limit : 0;
    const continuing = o.continueKey !== undefined && o.continueKey !== '';
    // Paging and exact revisions are etcd's: the cache holds only the latest state.
    const exact =
      rv !== undefined && rv > 0 && (o.resourceVersionMatch === 'Exact' || (!o.resourceVersionMatch && limit > 0));
    const delegated = continuing || exact || (limit > 0 && rv !== 0);
    return delegated || !mine(key) ? undefined : { key, rv };
  }

  async function list(keyPrefix: string, o: ListOptions = {}): Promise<ListResult> {
    const recursive = o.recursive !== false;
    const c = cachedListKey(keyPrefix, o);
    if (!c) return inner.list(keyPrefix, o);
    // resourceVersion "0" lists are served from the cache whole; the limit is ignored, as upstream does.
    const served = await cache.read(c.key, modeOf(c.rv), (revision): ListResult => ({
      items: cache.list(c.key, recursive, o.predicate, o.indexHint, o.labelPredicate),
      revision,
    }));
    return served ? served.value : inner.list(keyPrefix, o);
  }

  async function listLazy(keyPrefix: string, o: ListOptions = {}): Promise<LazyListResult> {
    const recursive = o.recursive !== false;
    const c = cachedListKey(keyPrefix, o);
    const fromStorage = (): Promise<LazyListResult> => inner.listLazy?.(keyPrefix, o) ?? inner.list(keyPrefix, o);
    if (!c) return fromStorage();
    const served = await cache.read(c.key, modeOf(c.rv), (revision): LazyListResult => ({
      items: cache.listLazy(c.key, recursive, o.predicate, o.indexHint, o.labelPredicate),
      revision,
    }));
    return served ? served.value : fromStorage();
  }

  async function watch(key: string, o: WatchOptions = {}): Promise<Watcher> {
    const recursive = o.recursive !== false;
    const watchKey = collectionKey(key, o.recursive);
    const rv = parseResourceVersion(watchKey, o.resourceVersion);
    if (!mine(watchKey) || !(await cache.usable())) return inner.watch(key, o);
    const sendInitial = o.sendInitialEvents ?? (rv === undefined || rv === 0);
    const selection: WatchSelection = {
      key: watchKey,
      recursive,
      predicate: o.predicate,
      progressNotify: o.progressNotify === true,
      indexFields: o.indexHint?.fields,
    };
    if (sendInitial || rv === undefined || rv === 0) {
      // "" starts at the current state, "0" at any state, N (with initial events) at N or later.
      const served = await cache.read(watchKey, modeOf(rv), (revision) =>
        cache.addWatcher(selection, revision, {
          replay: false,
          initial: sendInitial ? cache.listLazy(watchKey, recursive, o.predicate, o.indexHint) : undefined,
          initialEndBookmark: o.sendInitialEvents === true,
        }),
      );
      return served ? served.value : inner.watch(key, o);
    }
    if (rv < cache.ringStart) {
      if (settings.tooOldWatch === 'storage') return inner.watch(key, o);
      throw new StorageError('Expired', watchKey, `too old resource version: ${rv} (${cache.ringStart})`, rv);
    }
    return cache.addWatcher(selection, rv, { replay: true });
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(bookmarkTimer);
    cache.stop();
  }

  return {
    prefix: root,
    get,
    list,
    listLazy,
    watch,
    create: (key, obj, o) => inner.create(key, obj, o),
    guaranteedUpdate: (key, pre, tryUpdate, o) => inner.guaranteedUpdate(key, pre, tryUpdate, o),
    delete: (key, pre, o) => inner.delete(key, pre, o),
    count: (keyPrefix) => inner.count(keyPrefix),
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    ready: () => cache.ready(),
    stop,
    stats: () => cache.stats(),
    addIndexers: (indexers) => cache.addIndexers(indexers),
    packedSize: () => cache.packedSize(),
    async close() {
      stop();
      await inner.close();
    },
  };
}
