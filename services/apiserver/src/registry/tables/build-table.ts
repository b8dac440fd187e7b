import { StatusError } from '../../api/errors';
import type { KubeObject, ObjectMeta } from '../../api/object';
import type { TableColumn, TableConverter } from './types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';
export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

export interface BuildTableOptions {
  includeObject: IncludeObject;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** ms since epoch; ages are computed against it. */
  now?: number;
  /** TableOptions.noHeaders: omit the column definitions (watch events after the first). */
  noHeaders?: boolean;
  /** The negotiated Table version; PartialObjectMetadata rows use the same group/version. */
  apiVersion?: TableApiVersion;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: TableApiVersion;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  object: KubeObject | PartialObjectMetadata | null;
}

/** A Table without its rows. */
export interface TableHead {
  kind: 'Table';
  apiVersion: TableApiVersion;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[] | null;
  [key: string]: unknown;
}

export interface Table extends TableHead {
  rows: TableRow[];
}

/**
 * Reads the includeObject query parameter. Absent means Metadata, as in
 * kube-apiserver; anything unrecognised is a 400.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === null || value === undefined || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw new StatusError(400, 'BadRequest', `unrecognized includeObject value: "${value}"`);
}

/** A Table without its rows, and how to make each row, for writing the rows one at a time. */
export interface TableShape {
  head: TableHead;
  row(obj: KubeObject): TableRow;
}

export function tableShape(converter: TableConverter, opts: BuildTableOptions): TableShape {
  const now = opts.now ?? Date.now();
  const apiVersion = opts.apiVersion ?? 'meta.k8s.io/v1';
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined && opts.remainingItemCount !== null) {
    metadata.remainingItemCount = opts.remainingItemCount;
  }
  return {
    head: {
      kind: 'Table',
      apiVersion,
      metadata,
      // Go leaves the slice nil when headers are suppressed, which encodes as null.
      columnDefinitions: opts.noHeaders ? null : converter.columns.map((c) => ({ ...c })),
    },
    row: (obj) => ({ cells: converter.cells(obj, now), object: rowObject(obj, opts.includeObject, apiVersion) }),
  };
}

/** Builds the meta.k8s.io Table kubectl asks for with `Accept: application/json;as=Table;...`. */
export function buildTable(converter: TableConverter, objs: KubeObject[], opts: BuildTableOptions): Table {
  const { head, row } = tableShape(converter, opts);
  return { ...head, rows: objs.map(row) };
}

function rowObject(obj: KubeObject, include: IncludeObject, apiVersion: TableApiVersion): TableRow['object'] {
  switch (include) {
    case 'Object':
      return obj;
    case 'None':
      return null;
    default:
      return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata ?? {} };
  }
}
