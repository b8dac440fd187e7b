import type { KubeObject } from '../api/object';
import { runInformer } from '../controllers/informer';
import { sleep } from '../controllers/util';
import { FlowControl } from '../flowcontrol/controller';
import type { FlowSchema, PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import type { ServerOptions } from '../options';
import type { StoreTable } from '../registry/store-table';
import { flowControlObserver } from '../metrics/flowcontrol-metrics';
import type { ReplicaMetrics } from '../metrics/replica-metrics';

const GROUP = 'flowcontrol.apiserver.k8s.io';
const COUNT_INTERVAL_MS = 60_000;
/** Upstream's wait limit: a quarter of the request timeout, never more than a minute. */
const MAX_QUEUE_WAIT_MS = 60_000;
/** Upstream's borrowingAdjustmentPeriod. */
const BORROWING_INTERVAL_MS = 10_000;

/**
 * The APF configuration every replica enforces, fed by watches of both kinds
 * (upstream's informers). Undefined when --enable-priority-and-fairness=false.
 */
export function startFlowControl(
  opts: ServerOptions,
  table: StoreTable,
  signal: AbortSignal,
  log: (line: string) => void,
  metrics?: ReplicaMetrics,
): FlowControl | undefined {
  if (!opts.enablePriorityAndFairness) return undefined;
  const fc = new FlowControl(
    opts.maxRequestsInflight + opts.maxMutatingRequestsInflight,
    Math.min(opts.requestTimeoutMs / 4, MAX_QUEUE_WAIT_MS),
    metrics ? flowControlObserver(metrics) : undefined,
  );
  const schemas = table.store(GROUP, 'v1', 'flowschemas');
  const levels = table.store(GROUP, 'v1', 'prioritylevelconfigurations');
  if (schemas) {
    void runInformer(
      schemas,
      signal,
      {
        onList: (items: KubeObject[]) => fc.replaceAll(items as FlowSchema[], undefined),
        onEvent: (type, obj) =>
          type === 'DELETED' ? fc.removeFlowSchema(obj.metadata?.name ?? '') : fc.upsertFlowSchema(obj as FlowSchema),
      },
      log,
    );
  }
  if (levels) {
    void runInformer(
      levels,
      signal,
      {
        onList: (items: KubeObject[]) => fc.replaceAll(undefined, items as PriorityLevelConfiguration[]),
        onEvent: (type, obj) =>
          type === 'DELETED'
            ? fc.removePriorityLevel(obj.metadata?.name ?? '')
            : fc.upsertPriorityLevel(obj as PriorityLevelConfiguration),
      },
      log,
    );
  }
  void countObjects(fc, table, signal);
  const borrowing = setInterval(() => fc.adjustBorrowing(), BORROWING_INTERVAL_MS);
  borrowing.unref();
  signal.addEventListener('abort', () => clearInterval(borrowing), { once: true });
  return fc;
}

/** Upstream's storage object count tracker: every resource counted once a minute. */
async function countObjects(fc: FlowControl, table: StoreTable, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    for (const store of table.all()) {
      if (signal.aborted) return;
      if (store.virtual || !store.info.verbs.includes('list')) continue;
      try {
        fc.objectCounts.set(store.info.group, store.info.resource, await store.count(''));
      } catch {
        // a resource that cannot be counted keeps its last count (or none: one seat)
      }
    }
    await sleep(COUNT_INTERVAL_MS, signal);
  }
}
