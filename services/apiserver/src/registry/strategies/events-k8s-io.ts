import type { FieldError } from '../../api/errors';
import type { Event as CoreEvent } from '../../generated/k8s.io.api.core.v1';
import type { Event } from '../../generated/k8s.io.api.events.v1';
import { eventsV1ToCoreEvent } from '../conversion/events-v1';
import { invalid, required } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual, validateImmutableField } from '../validation/objectmeta';
import { forStore, objectAt, stringAt, validateMetaCreate, type KindStrategy } from './common';
import { coreEventRules, validateCoreEvent } from './events';

const isUnsetTime = (v: unknown): boolean => v === undefined || v === null || v === '';

/**
 * Rules events.k8s.io/v1 adds to the legacy ones (core/v1 keeps only those, for old
 * clients). Both run on the core shape, as upstream validates the one internal type, so
 * the field paths are the internal type's (message, involvedObject, firstTimestamp…).
 */
function validateSeries(e: CoreEvent): FieldError[] {
  const series = objectAt(e, 'series');
  if (!series) return [];
  const errs: FieldError[] = [];
  const count = typeof series['count'] === 'number' ? series['count'] : 0;
  if (count < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (isUnsetTime(series['lastObservedTime'])) errs.push(required('series.lastObservedTime'));
  return errs;
}

function validateStrictCreate(e: CoreEvent): FieldError[] {
  const errs = [
    ...validateMetaCreate(e, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...validateSeries(e),
  ];
  if (isUnsetTime(e.eventTime)) errs.push(required('eventTime'));
  const type = stringAt(e, 'type');
  if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type}`));
  if (!isUnsetTime(e.firstTimestamp)) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isUnsetTime(e.lastTimestamp)) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (typeof e.count === 'number' && e.count !== 0) errs.push(invalid('count', '', 'needs to be unset'));
  const source = objectAt(e, 'source');
  if (stringAt(source, 'component') !== '' || stringAt(source, 'host') !== '') {
    errs.push(invalid('source', '', 'needs to be unset'));
  }
  return errs;
}

/** The internal type's fields an events.k8s.io/v1 update may not change, in upstream's order. */
const IMMUTABLE: ReadonlyArray<[path: string, field: keyof CoreEvent]> = [
  ['involvedObject', 'involvedObject'],
  ['reason', 'reason'],
  ['message', 'message'],
  ['source', 'source'],
  ['firstTimestamp', 'firstTimestamp'],
  ['lastTimestamp', 'lastTimestamp'],
  ['count', 'count'],
  ['reason', 'reason'],
  ['type', 'type'],
  ['eventTime', 'eventTime'],
  ['action', 'action'],
  ['related', 'related'],
  ['reportingController', 'reportingComponent'],
  ['reportingInstance', 'reportingInstance'],
];

function validateStrictUpdate(e: CoreEvent, old: CoreEvent): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(e.series, old.series)) errs.push(...validateSeries(e));
  for (const [path, field] of IMMUTABLE) errs.push(...validateImmutableField(e[field], old[field], path));
  return errs;
}

const eventsK8sIoRules: KindStrategy<Event> = {
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
  validate(obj) {
    const e = eventsV1ToCoreEvent(obj);
    const errs = [...validateCoreEvent(e), ...validateStrictCreate(e)];
    return errs.length > 0 ? errs : coreEventRules.validate(e);
  },
  validateUpdate(obj, old) {
    const e = eventsV1ToCoreEvent(obj);
    const o = eventsV1ToCoreEvent(old);
    return [...coreEventRules.validateUpdate(e, o), ...validateStrictUpdate(e, o)];
  },
  selectableFields(obj) {
    return coreEventRules.selectableFields?.(eventsV1ToCoreEvent(obj)) ?? {};
  },
};

export const eventsK8sIoStrategy: KindStrategy = forStore(eventsK8sIoRules);
