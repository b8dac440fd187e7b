import { deploymentTable } from './apps';
import { leaseTable } from './coordination';
import { configMapTable, eventTable, eventsV1EventTable, namespaceTable, secretTable } from './core';
import { defaultTable } from './default';
import { endpointSliceTable, endpointsTable, serviceAccountTable, serviceTable } from './services';
import type { TableConverter } from './types';

/** Kinds with their own columns, keyed by "<group>/<Kind>" ("" is the core group). */
const CONVERTERS = new Map<string, TableConverter>([
  ['/Namespace', namespaceTable],
  ['/ConfigMap', configMapTable],
  ['/Secret', secretTable],
  ['/Event', eventTable],
  ['events.k8s.io/Event', eventsV1EventTable],
  ['coordination.k8s.io/Lease', leaseTable],
  ['apps/Deployment', deploymentTable],
  ['/Service', serviceTable],
  ['/Endpoints', endpointsTable],
  ['/ServiceAccount', serviceAccountTable],
  ['discovery.k8s.io/EndpointSlice', endpointSliceTable],
]);

/** The table columns kube-apiserver uses for a kind; the Name/Created At default otherwise. */
export function tableConverterFor(group: string, kind: string): TableConverter {
  return CONVERTERS.get(`${group}/${kind}`) ?? defaultTable;
}

export { buildTable, parseIncludeObject, tableShape } from './build-table';
export type {
  BuildTableOptions,
  IncludeObject,
  PartialObjectMetadata,
  Table,
  TableApiVersion,
  TableRow,
  TableShape,
} from './build-table';
export type { TableColumn, TableConverter } from './types';
export { humanDuration, timestampSince } from './human-duration';
export { formatLabelSelector } from './label-selector';
export { defaultTable } from './default';
