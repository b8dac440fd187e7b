import { sharedCacheParts, type CacherOptions } from './cacher-settings';
import type { ListOptions, Storage, WatchOptions } from './interface';
import type { CacherStats } from './resource-cache';
import { createResourceCacher, type ResourceCacheOptions, type ResourceCacher } from './resource-cacher';

export type { CacherOptions } from './cacher-settings';
export type { CacherStats } from './resource-cache';
export type { ResourceCacheOptions, ResourceCacher } from './resource-cacher';
export type { CacheIndexers } from './index-terms';
export { deepFreeze } from './deep-freeze';

export interface CacheMemoryStats {
  /** Packed bytes of every cached object. */
  packedBytes: number;
  objects: number;
  /** Objects in the decoded working set, and their packed bytes. */
  decodedObjects: number;
  decodedPackedBytes: number;
}

/**
 * The watch caches of one replica (DESIGN.md, "Cluster shape"): one
 * ResourceCacher per resource, each registered by the store factory, and a
 * Storage view that sends every key to the cacher of its resource (the longest
 * registered prefix) or, for keys no resource caches, to the inner Storage.
 */
export interface Cacher extends Storage {
  /**
   * The cacher of the resource under prefix, made on first call; a later call
   * with indexers adds those the cacher lacks.
   */
  forResource(prefix: string, resource?: ResourceCacheOptions): ResourceCacher;
  /**
   * Resolves once every resource registered so far has done its first
   * list+watch, or after timeoutMs: one resource that cannot start does not hold
   * the others (its reads go to the inner Storage meanwhile).
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the caches (watchers end); the inner Storage stays open. */
  stop(): void;
  /** Stops and forgets the cache of one resource (a custom resource whose definition is gone). */
  drop(prefix: string): void;
  stats(): CacherStats[];
  memoryStats(): CacheMemoryStats;
}

const withSlash = (p: string): string => (p.endsWith('/') ? p : `${p}/`);

export function createCacher(inner: Storage, opts: CacherOptions): Cacher {
  const parts = sharedCacheParts(opts);
  const caches = new Map<string, ResourceCacher>();
  let stopped = false;

  const forResource = (prefix: string, resource: ResourceCacheOptions = {}): ResourceCacher => {
    const root = withSlash(prefix);
    let c = caches.get(root);
    if (!c) {
      c = createResourceCacher(inner, root, parts, resource);
      if (stopped) c.stop();
      caches.set(root, c);
    } else if (resource.indexers) {
      c.addIndexers(resource.indexers);
    }
    return c;
  };
  for (const p of opts.prefixes) forResource(p);

  /** The Storage that serves key (a key or a collection prefix). */
  const route = (key: string): Storage => {
    if (stopped) return inner;
    let best: ResourceCacher | undefined;
    for (const c of caches.values()) {
      if (key.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
    }
    if (best) return best;
    const p = opts.resourcePrefixOf?.(key);
    if (p === undefined || !key.startsWith(p)) return inner;
    return forResource(p);
  };
  // a collection is routed by its key as the cacher will see it
  const collection = (key: string, recursive: boolean | undefined): string =>
    recursive !== false ? withSlash(key) : key;

  function stop(): void {
    if (stopped) return;
    stopped = true;
    for (const c of caches.values()) c.stop();
  }

  return {
    forResource,
    get: (key, o) => route(key).get(key, o),
    list: (keyPrefix, o?: ListOptions) => route(collection(keyPrefix, o?.recursive)).list(keyPrefix, o),
    listLazy: (keyPrefix, o?: ListOptions) => {
      const s = route(collection(keyPrefix, o?.recursive));
      return s.listLazy ? s.listLazy(keyPrefix, o) : s.list(keyPrefix, o);
    },
    watch: (key, o?: WatchOptions) => route(collection(key, o?.recursive)).watch(key, o),
    create: (key, obj, o) => inner.create(key, obj, o),
    sizeLimitError: (obj) => inner.sizeLimitError?.(obj),
    guaranteedUpdate: (key, pre, tryUpdate, o) => inner.guaranteedUpdate(key, pre, tryUpdate, o),
    delete: (key, pre, o) => inner.delete(key, pre, o),
    count: (keyPrefix) => inner.count(keyPrefix),
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    async ready(timeoutMs) {
      const all = Promise.all([...caches.values()].map((c) => c.ready()));
      if (timeoutMs === undefined) return void (await all);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
      await Promise.race([all, timeout]);
      clearTimeout(timer);
    },
    stop,
    drop(prefix) {
      const root = withSlash(prefix);
      caches.get(root)?.stop();
      caches.delete(root);
    },
    stats: () => [...caches.values()].map((c) => c.stats()),
    memoryStats() {
      let packedBytes = 0;
      let objects = 0;
      for (const c of caches.values()) {
        const m = c.packedSize();
        packedBytes += m.bytes;
        objects += m.objects;
      }
      return { packedBytes, objects, decodedObjects: parts.working.size, decodedPackedBytes: parts.working.usedBytes };
    },
    async close() {
      stop();
      await inner.close();
    },
  };
}
