import type { CacherStats } from '../storage/cacher';
import type { ReplicaMetrics } from './replica-metrics';
import { GaugeFamily, ScrapedCounterFamily } from './series';
import type { StorageTypeResolver } from './storage-types';

/**
 * The watch caches' own counts, read when /metrics is scraped, so serving a
 * list or an event costs nothing extra: apiserver_storage_objects,
 * apiserver_watch_cache_resource_version and _events_{received,dispatched}_total,
 * and the apiserver_cache_list_* counters.
 */
export function registerCacheMetrics(
  metrics: ReplicaMetrics,
  stats: () => CacherStats[],
  types: StorageTypeResolver,
): void {
  let snapshot: CacherStats[] = [];
  // every family of one scrape reads the same snapshot, taken by the first of them
  let takenAt = -1;
  const current = (): CacherStats[] => {
    const now = Date.now();
    if (now - takenAt > 100) {
      snapshot = stats();
      takenAt = now;
    }
    return snapshot;
  };

  metrics.add(
    new GaugeFamily(
      'apiserver_storage_objects',
      'Number of stored objects at the time of last check split by kind.',
      ['resource'],
      (g) => {
        g.clear();
        for (const s of current()) g.with(types.typeOf(s.prefix)).value = s.objects;
      },
    ),
  );
  metrics.add(
    new GaugeFamily(
      'apiserver_watch_cache_resource_version',
      'Current resource version of watch cache broken by resource type.',
      ['resource'],
      (g) => {
        g.clear();
        for (const s of current()) if (s.state === 'ready') g.with(types.typeOf(s.prefix)).value = s.revision;
      },
    ),
  );
  const perResource = (name: string, help: string, value: (s: CacherStats) => number): void => {
    metrics.add(
      new ScrapedCounterFamily(name, help, ['resource'], (c) => {
        c.clear();
        for (const s of current()) c.with(types.typeOf(s.prefix)).value = value(s);
      }),
    );
  };
  perResource(
    'apiserver_watch_cache_events_received_total',
    'Counter of events received in watch cache broken by resource type.',
    (s) => s.eventsReceived,
  );
  perResource(
    'apiserver_watch_cache_events_dispatched_total',
    'Counter of events dispatched in watch cache broken by resource type.',
    (s) => s.eventsDispatched,
  );
  metrics.add(
    new ScrapedCounterFamily(
      'apiserver_cache_list_total',
      'Number of LIST requests served from watch cache',
      ['resource_prefix', 'index'],
      (c) => {
        c.clear();
        for (const s of current()) {
          const prefix = types.resourcePrefixOf(s.prefix);
          if (s.lists > s.indexedLists) c.with(prefix, '').value = s.lists - s.indexedLists;
          if (s.indexedLists > 0) c.with(prefix, indexName(s.indexedFields)).value = s.indexedLists;
        }
      },
    ),
  );
  metrics.add(
    new ScrapedCounterFamily(
      'apiserver_cache_list_fetched_objects_total',
      'Number of objects read from watch cache in the course of serving a LIST request',
      ['resource_prefix', 'index'],
      (c) => {
        c.clear();
        // the caches count fetched objects per resource only, so they are reported unindexed
        for (const s of current())
          if (s.lists > 0) c.with(types.resourcePrefixOf(s.prefix), '').value = s.fetchedObjects;
      },
    ),
  );
  metrics.add(
    new ScrapedCounterFamily(
      'apiserver_cache_list_returned_objects_total',
      'Number of objects returned for a LIST request from watch cache',
      ['resource_prefix'],
      (c) => {
        c.clear();
        for (const s of current()) if (s.lists > 0) c.with(types.resourcePrefixOf(s.prefix)).value = s.returnedObjects;
      },
    ),
  );
}

/** Upstream names a field index `f:<field>`; a cache with several reports them together. */
function indexName(fields: readonly string[]): string {
  return fields.map((f) => `f:${f}`).join(',');
}
