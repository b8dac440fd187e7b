import type { KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, integer, keyCount, nameColumn, nameOf, text } from './common';
import { timestampSince } from './human-duration';
import { column, type TableConverter } from './types';

export const namespaceTable: TableConverter = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells: (obj, now) => [nameOf(obj), text(field(obj, 'status', 'phase')), ageOf(obj, now)],
};

export const configMapTable: TableConverter = {
  columns: [
    nameColumn(),
    column(
      'Data',
      'string',
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), keyCount(obj.data) + keyCount(obj.binaryData), ageOf(obj, now)],
};

export const secretTable: TableConverter = {
  columns: [
    nameColumn(),
    column(
      'Type',
      'string',
      'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types',
    ),
    column(
      'Data',
      'string',
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    ageColumn(),
  ],
  // stringData is write-only: it has been merged into data before storage.
  cells: (obj, now) => [nameOf(obj), text(obj.type), keyCount(obj.data), ageOf(obj, now)],
};

/** The fields of an Event the table reads, whichever API group the object came from. */
interface EventView {
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: unknown;
  series: unknown;
  involvedKind: string;
  involvedName: string;
  fieldPath: string;
  type: string;
  reason: string;
  message: string;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
}

function coreEventView(obj: KubeObject): EventView {
  return {
    firstTimestamp: obj.firstTimestamp,
    lastTimestamp: obj.lastTimestamp,
    eventTime: obj.eventTime,
    count: obj.count,
    series: obj.series,
    involvedKind: text(field(obj, 'involvedObject', 'kind')),
    involvedName: text(field(obj, 'involvedObject', 'name')),
    fieldPath: text(field(obj, 'involvedObject', 'fieldPath')),
    type: text(obj.type),
    reason: text(obj.reason),
    message: text(obj.message),
    sourceComponent: text(field(obj, 'source', 'component')),
    sourceHost: text(field(obj, 'source', 'host')),
    reportingController: text(obj.reportingComponent),
    reportingInstance: text(obj.reportingInstance),
  };
}

/** events.k8s.io/v1 renames the same stored fields; upstream prints both from one internal type. */
function eventsV1View(obj: KubeObject): EventView {
  return {
    firstTimestamp: obj.deprecatedFirstTimestamp,
    lastTimestamp: obj.deprecatedLastTimestamp,
    eventTime: obj.eventTime,
    count: obj.deprecatedCount,
    series: obj.series,
    involvedKind: text(field(obj, 'regarding', 'kind')),
    involvedName: text(field(obj, 'regarding', 'name')),
    fieldPath: text(field(obj, 'regarding', 'fieldPath')),
    type: text(obj.type),
    reason: text(obj.reason),
    message: text(obj.note),
    sourceComponent: text(field(obj, 'deprecatedSource', 'component')),
    sourceHost: text(field(obj, 'deprecatedSource', 'host')),
    reportingController: text(obj.reportingController),
    reportingInstance: text(obj.reportingInstance),
  };
}

function eventCells(e: EventView, obj: KubeObject, now: number): unknown[] {
  let firstSeen = timestampSince(e.firstTimestamp, now);
  if (!e.firstTimestamp) firstSeen = timestampSince(e.eventTime, now);
  let lastSeen = e.lastTimestamp ? timestampSince(e.lastTimestamp, now) : firstSeen;
  let count = integer(e.count);
  if (e.series && typeof e.series === 'object') {
    lastSeen = timestampSince(field(e.series, 'lastObservedTime'), now);
    count = integer(field(e.series, 'count'));
  } else if (count === 0) {
    // Events recorded through the newer API are singletons without a count.
    count = 1;
  }
  const object = e.involvedName ? `${e.involvedKind.toLowerCase()}/${e.involvedName}` : e.involvedKind.toLowerCase();
  const component = e.sourceComponent || e.reportingController;
  const instance = e.sourceHost || e.reportingInstance;
  const source = instance ? `${component}, ${instance}` : component;
  return [lastSeen, e.type, e.reason, object, e.fieldPath, source, e.message.trim(), firstSeen, count, nameOf(obj)];
}

const eventColumns = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column(
    'Reason',
    'string',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column('Object', 'string', 'The object that this event is about.'),
  column(
    'Subobject',
    'string',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    { priority: 1 },
  ),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', {
    priority: 1,
  }),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column(
    'First Seen',
    'string',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    {
      priority: 1,
    },
  ),
  column('Count', 'string', 'The number of times this event has occurred.', { priority: 1 }),
  nameColumn({ priority: 1 }),
];

export const eventTable: TableConverter = {
  columns: eventColumns,
  cells: (obj, now) => eventCells(coreEventView(obj), obj, now),
};

export const eventsV1EventTable: TableConverter = {
  columns: eventColumns,
  cells: (obj, now) => eventCells(eventsV1View(obj), obj, now),
};
