import type { KubeObject } from '../api/object';
import { runInformer } from '../controllers/informer';
import { FlowControl } from '../flowcontrol/controller';
import type { FlowSchema, PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import type { ServerOptions } from '../options';
import type { StoreTable } from '../registry/store-table';

const GROUP = 'flowcontrol.apiserver.k8s.io';

/**
 * The APF configuration every replica enforces, fed by watches of both kinds
 * (upstream's informers). Undefined when --enable-priority-and-fairness=false.
 */
export function startFlowControl(
  opts: ServerOptions,
  table: StoreTable,
  signal: AbortSignal,
  log: (line: string) => void,
): FlowControl | undefined {
  if (!opts.enablePriorityAndFairness) return undefined;
  const fc = new FlowControl(opts.maxRequestsInflight + opts.maxMutatingRequestsInflight, opts.requestTimeoutMs / 4);
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
  return fc;
}
