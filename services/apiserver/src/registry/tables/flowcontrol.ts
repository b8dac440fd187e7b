import { isPlainObject, type KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** The Dangling condition's status: whether the referenced priority level is missing ("?" before it is known). */
function missingPriorityLevel(obj: KubeObject): string {
  const conditions = field(obj, 'status', 'conditions');
  for (const c of Array.isArray(conditions) ? conditions : []) {
    if (isPlainObject(c) && c.type === 'Dangling') return text(c.status);
  }
  return '?';
}

export const flowSchemaTable: TableConverter = {
  columns: [
    nameColumn(),
    column('PriorityLevel', 'string', 'The name of the priority level this FlowSchema assigns requests to.'),
    column('MatchingPrecedence', 'string', 'Lower values match first among FlowSchemas.'),
    column('DistinguisherMethod', 'string', 'How requests are divided into flows.'),
    ageColumn(),
    column('MissingPL', 'string', 'Whether the referenced PriorityLevelConfiguration is missing.'),
  ],
  cells: (obj, now) => {
    const method = field(obj, 'spec', 'distinguisherMethod');
    return [
      nameOf(obj),
      text(field(obj, 'spec', 'priorityLevelConfiguration', 'name')),
      typeof field(obj, 'spec', 'matchingPrecedence') === 'number' ? field(obj, 'spec', 'matchingPrecedence') : 0,
      isPlainObject(method) ? text(method.type) : '<none>',
      ageOf(obj, now),
      missingPriorityLevel(obj),
    ];
  },
};

const orNone = (v: unknown): unknown => (typeof v === 'number' ? v : '<none>');

export const priorityLevelConfigurationTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Whether requests at this level are exempt from limits or limited.'),
    column('NominalConcurrencyShares', 'string', 'This level’s share of the server’s concurrency limit.'),
    column('Queues', 'string', 'The number of queues of this level.'),
    column('HandSize', 'string', 'How many queues a flow is shuffle-sharded onto.'),
    column('QueueLengthLimit', 'string', 'How many requests may wait in one queue.'),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const limited = field(obj, 'spec', 'limited');
    const queuing = field(limited, 'limitResponse', 'queuing');
    const hasQueuing = isPlainObject(queuing);
    return [
      nameOf(obj),
      text(field(obj, 'spec', 'type')),
      isPlainObject(limited) ? orNone(limited.nominalConcurrencyShares) : '<none>',
      hasQueuing ? orNone(queuing.queues) : '<none>',
      hasQueuing ? orNone(queuing.handSize) : '<none>',
      hasQueuing ? orNone(queuing.queueLengthLimit) : '<none>',
      ageOf(obj, now),
    ];
  },
};
