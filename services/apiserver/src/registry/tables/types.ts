import type { KubeObject } from '../../api/object';

/** A meta.k8s.io/v1 TableColumnDefinition. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** How one kind is shown by `kubectl get`: its columns and the cells of one object. */
export interface TableConverter {
  columns: TableColumn[];
  /** `now` (ms since epoch) makes ages deterministic. */
  cells(obj: KubeObject, now: number): unknown[];
}

export function column(
  name: string,
  type: string,
  description: string,
  extra: { format?: string; priority?: number } = {},
): TableColumn {
  return { name, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}
