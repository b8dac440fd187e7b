// Conversion between core/v1 Events (the storage shape of /registry/events) and
// events.k8s.io/v1 Events. The two groups describe the same object with renamed fields;
// nothing is lost either way, so no annotations are needed.
import type * as core from '../../generated/k8s.io.api.core.v1';
import type * as events from '../../generated/k8s.io.api.events.v1';

/** Copies only the members that are present, so absent fields stay absent after conversion. */
function present<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** core/v1 (stored) -> events.k8s.io/v1 (served). */
export function coreEventToEventsV1(e: core.Event): events.Event {
  return present<events.Event>({
    kind: e.kind,
    apiVersion: 'events.k8s.io/v1',
    metadata: e.metadata,
    eventTime: e.eventTime,
    series: e.series ? present({ count: e.series.count, lastObservedTime: e.series.lastObservedTime }) : undefined,
    reportingController: e.reportingComponent,
    reportingInstance: e.reportingInstance,
    action: e.action,
    reason: e.reason,
    regarding: e.involvedObject,
    related: e.related,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  });
}

/** events.k8s.io/v1 (served) -> core/v1 (stored). */
export function eventsV1ToCoreEvent(e: events.Event): core.Event {
  return present<core.Event>({
    kind: e.kind,
    apiVersion: 'v1',
    metadata: e.metadata,
    involvedObject: e.regarding,
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    type: e.type,
    eventTime: e.eventTime,
    series: e.series ? present({ count: e.series.count, lastObservedTime: e.series.lastObservedTime }) : undefined,
    action: e.action,
    related: e.related,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  });
}
