import type { AdmissionObserver } from '../admission/chain';
import type { WebhookObserver } from '../admission/webhook/invoke';
import type { Authenticator } from '../authn/authenticator';
import type { GenericStore } from '../registry/generic-store';
import type { StoreTable } from '../registry/store-table';
import type { Filter } from '../server/filters/types';
import type { Backend } from '../storage/backend';
import type { Cacher } from '../storage/cacher';
import { admissionObserver, webhookObserver } from './admission-metrics';
import { decisionObserver, instrumentAuthenticator, type DecisionObserver } from './auth-metrics';
import { registerCacheMetrics } from './cache-metrics';
import { InstrumentedBackend } from './instrumented-backend';
import type { ReplicaMetrics } from './replica-metrics';
import { GaugeFamily } from './series';
import { RequestRecorder } from './request-recorder';
import type { ServedResource } from './request-labels';
import { StorageTypeResolver } from './storage-types';

/** The hooks a replica hands its layers, each reporting into the replica's one ReplicaMetrics. */
export interface MetricsWiring {
  /** Times every request of the raw storage backend. */
  wrapBackend(backend: Backend, prefix: string): Backend;
  /**
   * What is served (labels come only from it, so they stay bounded) and the watch
   * caches' counts; given before the table fills, so the caches' first lists are
   * labelled too.
   */
  serve(table: StoreTable, cacher: Cacher | undefined): void;
  authenticator(inner: Authenticator): Authenticator;
  observeDecision: DecisionObserver;
  admission: AdmissionObserver;
  webhook: WebhookObserver;
  requestFilter: Filter;
}

/** apiserver_storage_size_bytes, asked of the backend at each scrape; left out when it cannot say. */
function registerStorageSize(metrics: ReplicaMetrics, backend: Backend): void {
  metrics.add(
    new GaugeFamily(
      'apiserver_storage_size_bytes',
      'Size of the storage database file physically allocated in bytes.',
      ['storage_cluster_id'],
      async (g) => {
        g.clear();
        if (!backend.storageSize) return;
        try {
          g.with('etcd-0').value = await backend.storageSize();
        } catch {
          // an unreachable store has no size to report; the scrape goes on without it
        }
      },
    ),
  );
}

export function wireReplicaMetrics(metrics: ReplicaMetrics): MetricsWiring {
  let table: StoreTable | undefined;
  let prefix = '/registry';
  const served = new WeakMap<GenericStore, ServedResource>();
  const storedResources = () =>
    (table?.all() ?? []).map((s) => ({ listPrefix: s.listPrefix(''), group: s.info.group, resource: s.info.resource }));
  let types: StorageTypeResolver | undefined;
  const typesOf = (): StorageTypeResolver =>
    (types ??= new StorageTypeResolver(prefix, storedResources, () => table?.size ?? 0));

  const lookup = (group: string, version: string, resource: string): ServedResource | undefined => {
    const store = table?.store(group, version, resource);
    if (!store) return undefined;
    let s = served.get(store);
    if (!s) {
      s = { kind: store.info.kind, subresources: store.info.subresources.map((sr) => sr.name) };
      served.set(store, s);
    }
    return s;
  };
  const recorder = new RequestRecorder(metrics, lookup);

  return {
    wrapBackend(backend, p) {
      prefix = p;
      registerStorageSize(metrics, backend);
      return new InstrumentedBackend(backend, metrics, (key) => typesOf().typeOf(key));
    },
    serve(t, cacher) {
      table = t;
      if (cacher) registerCacheMetrics(metrics, () => cacher.stats(), typesOf());
    },
    authenticator: (inner) => instrumentAuthenticator(inner, metrics),
    observeDecision: decisionObserver(metrics),
    admission: admissionObserver(metrics),
    webhook: webhookObserver(metrics),
    requestFilter: recorder.filter(),
  };
}
