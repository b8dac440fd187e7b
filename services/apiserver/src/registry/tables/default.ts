import { CREATION_TIMESTAMP_DESCRIPTION, nameColumn, nameOf } from './common';
import { formatTime } from '../../api/time';
import { column, type TableConverter } from './types';

/**
 * What kube-apiserver serves for a kind without its own printer: the name and
 * the creation time as an RFC 3339 UTC date (kubectl renders "date" columns as ages).
 */
export const defaultTable: TableConverter = {
  columns: [nameColumn(), column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  cells: (obj) => [nameOf(obj), rfc3339Seconds(obj.metadata?.creationTimestamp)],
};

/** Go's zero time prints as 0001-01-01T00:00:00Z; timestamps carry whole seconds. */
function rfc3339Seconds(timestamp: unknown): string {
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(at)) return '0001-01-01T00:00:00Z';
  return formatTime(new Date(at));
}
