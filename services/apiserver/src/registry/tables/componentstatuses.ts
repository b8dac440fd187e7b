import { isPlainObject } from '../../api/object';
import { nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** STATUS is Healthy or Unhealthy from the first Healthy condition, Unknown without one. */
export const componentStatusTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  cells: (obj) => {
    const conditions = Array.isArray(obj.conditions) ? obj.conditions.filter(isPlainObject) : [];
    const healthy = conditions.find((c) => c.type === 'Healthy');
    if (!healthy) return [nameOf(obj), 'Unknown', '', ''];
    return [
      nameOf(obj),
      healthy.status === 'True' ? 'Healthy' : 'Unhealthy',
      text(healthy.message),
      text(healthy.error),
    ];
  },
};
