import { formatQuantity, parseQuantity, quantityFormatOf } from '../../apiserver/src/api/quantity';
import type { KubeObject } from '../../apiserver/src/api/object';
import { buildTable, parseIncludeObject, type TableConverter } from '../../apiserver/src/registry/tables';
import type { TableApiVersion } from '../../apiserver/src/registry/tables/build-table';
import { column } from '../../apiserver/src/registry/tables/types';

type Usage = Record<string, string>;

/** metrics-server's columns: the name, one per resource in the usage (sorted), the window. */
function converter(resources: string[], usageOf: (o: KubeObject) => Usage): TableConverter {
  return {
    columns: [
      column('Name', 'string', 'Name of the resource', { format: 'name' }),
      ...resources.map((r) => column(r, 'string', '', { format: 'quantity' })),
      column('Window', 'string', '', { format: 'duration' }),
    ],
    cells: (o) => {
      const usage = usageOf(o);
      return [o.metadata?.name ?? '', ...resources.map((r) => usage[r] ?? '0'), o.window ?? ''];
    },
  };
}

/** A pod's usage is the sum of its containers', each sum keeping the first addend's format. */
function podUsage(o: KubeObject): Usage {
  const sums = new Map<string, { nanos: bigint; text: string }>();
  for (const c of (o.containers as Array<{ usage?: Usage }> | undefined) ?? []) {
    for (const [r, q] of Object.entries(c.usage ?? {})) {
      const prev = sums.get(r);
      sums.set(r, { nanos: (prev?.nanos ?? 0n) + (parseQuantity(q) ?? 0n), text: prev?.text ?? q });
    }
  }
  const out: Usage = {};
  for (const [r, s] of sums) out[r] = formatQuantity(s.nanos, quantityFormatOf(s.text));
  return out;
}

function nodeUsage(o: KubeObject): Usage {
  return (o.usage as Usage | undefined) ?? {};
}

/** The Table `kubectl get nodes.metrics.k8s.io` (or pods) asks for; resources are named from the first row, as upstream. */
export function metricsTable(
  kind: 'NodeMetrics' | 'PodMetrics',
  objs: KubeObject[],
  query: URLSearchParams,
  apiVersion: TableApiVersion,
): KubeObject {
  const usageOf = kind === 'NodeMetrics' ? nodeUsage : podUsage;
  const includeObject = parseIncludeObject(query.get('includeObject'));
  if (objs.length === 0) {
    // no row to name the resources: Go leaves both slices nil
    return { kind: 'Table', apiVersion, metadata: {}, columnDefinitions: null, rows: null } as unknown as KubeObject;
  }
  const resources = Object.keys(usageOf(objs[0])).sort();
  const table = buildTable(converter(resources, usageOf), objs, { includeObject, apiVersion });
  return table as unknown as KubeObject;
}
