import type { KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** Local, or the namespace/name of the Service that hosts the group/version. */
function serviceCell(obj: KubeObject): string {
  const service = field(obj, 'spec', 'service');
  if (service === undefined || service === null) return 'Local';
  return `${text(field(service, 'namespace'))}/${text(field(service, 'name'))}`;
}

/** True, or the status with its reason in parentheses so kubectl shows why it is not available. */
function availableCell(obj: KubeObject): string {
  const conditions = field(obj, 'status', 'conditions');
  const available = Array.isArray(conditions)
    ? conditions.find((c: unknown) => field(c, 'type') === 'Available')
    : undefined;
  if (available === undefined) return 'Unknown';
  const status = text(field(available, 'status'));
  const reason = text(field(available, 'reason'));
  return status === 'True' || reason === '' ? status : `${status} (${reason})`;
}

export const apiServiceTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    column('Available', 'string', 'Whether this service is available.'),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), serviceCell(obj), availableCell(obj), ageOf(obj, now)],
};
