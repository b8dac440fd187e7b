import type { KubeObject } from '../../api/object';
import type { CustomResourceColumnDefinition } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { CREATION_TIMESTAMP_DESCRIPTION, nameColumn, nameOf } from '../tables/common';
import { column, type TableConverter } from '../tables/types';
import { evaluateJsonPath } from './simple-jsonpath';

/** What upstream shows for a version without additionalPrinterColumns. */
const AGE_COLUMN: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  description: CREATION_TIMESTAMP_DESCRIPTION,
  jsonPath: '.metadata.creationTimestamp',
};

/** Go's %v of a decoded JSON value, for string columns. */
function goText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goText).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${k}:${goText((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

/** Upstream's cellForJSONValue: a value of the column's type, or no cell. */
function cell(type: string, v: unknown): unknown {
  switch (type) {
    case 'string':
      return goText(v);
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return typeof v === 'string' ? v : null;
    default:
      return goText(v);
  }
}

/** kubectl get's columns for a custom resource version: Name, then its printer columns. */
export function customResourceTable(columns: CustomResourceColumnDefinition[] | undefined): TableConverter {
  const cols = columns && columns.length > 0 ? columns : [AGE_COLUMN];
  return {
    columns: [
      nameColumn(),
      ...cols.map((c) =>
        column(c.name ?? '', c.type ?? 'string', c.description ?? '', { format: c.format, priority: c.priority }),
      ),
    ],
    cells: (obj: KubeObject) => [
      nameOf(obj),
      ...cols.map((c) => {
        const found = evaluateJsonPath(c.jsonPath ?? '', obj);
        return found.length === 0 ? null : cell(c.type ?? 'string', found[0]);
      }),
    ],
  };
}
