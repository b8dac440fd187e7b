import type { Backend } from './backend';
import { createCacheItemCodec, type CacheItemCodec } from './cache-item-codec';
import { DecodedWorkingSet } from './decoded-working-set';
import { DEFAULT_WATCHER_LIMITS, type WatcherLimits } from './watch-limits';

/** How the watch caches of one replica behave; every resource's cacher shares them. */
export interface CacherOptions {
  /** Resource prefixes cached from the start, one per resource, e.g. '/registry/configmaps/'. */
  prefixes: string[];
  /**
   * Optional: maps a key to the resource prefix that should cache it, for resources
   * not registered upfront (CRDs). The cache for that prefix starts on first read.
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

/** The options resolved to values, for one resource's cache. */
export interface CacheSettings {
  ringSize: number;
  watcherLimits: WatcherLimits;
  tooLargeWaitMs: number;
  consistentWaitMs: number;
  relistDelayMs: number;
  startWaitMs: number;
  proofAfterMs: number;
  bookmarkIntervalMs: number;
  tooOldWatch: 'expire' | 'storage';
}

/**
 * What every resource's cacher of a replica is built from: the settings, and the
 * parts that are one per replica (the item codec and the bounded decoded working
 * set, whose budget spans every resource).
 */
export interface SharedCacheParts {
  settings: CacheSettings;
  backend?: Backend;
  codec: CacheItemCodec;
  working: DecodedWorkingSet;
}

export function sharedCacheParts(opts: Omit<CacherOptions, 'prefixes'>): SharedCacheParts {
  const consistentDefault = opts.backend?.rangeStat ? 3000 : 100;
  return {
    settings: {
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
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      tooOldWatch: opts.tooOldWatch ?? 'expire',
    },
    backend: opts.backend,
    codec: opts.itemCodec ?? createCacheItemCodec(undefined),
    working: new DecodedWorkingSet(opts.decodedWorkingSetBytes ?? 8 * 1024 * 1024),
  };
}
