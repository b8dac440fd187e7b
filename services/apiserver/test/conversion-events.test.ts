import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as core from '../src/generated/k8s.io.api.core.v1';
import type * as events from '../src/generated/k8s.io.api.events.v1';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from '../src/registry/conversion/events-v1';

const regarding = { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', apiVersion: 'v1' };

function coreEvent(): core.Event {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: 'web-1.1', namespace: 'default' },
    involvedObject: regarding,
    reason: 'Pulled',
    message: 'image pulled',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:01:00Z',
    count: 3,
    type: 'Normal',
    eventTime: '2026-01-01T00:00:00.000000Z',
    series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
    action: 'Pull',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  };
}

test('core/v1 fields map to their events.k8s.io/v1 names', () => {
  assert.deepEqual(coreEventToEventsV1(coreEvent()), {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'web-1.1', namespace: 'default' },
    eventTime: '2026-01-01T00:00:00.000000Z',
    series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    action: 'Pull',
    reason: 'Pulled',
    regarding,
    note: 'image pulled',
    type: 'Normal',
    deprecatedSource: { component: 'kubelet', host: 'node-1' },
    deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
    deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
    deprecatedCount: 3,
  } satisfies events.Event);
});

test('core -> events.k8s.io -> core is lossless', () => {
  assert.deepEqual(eventsV1ToCoreEvent(coreEventToEventsV1(coreEvent())), coreEvent());
});

test('absent fields stay absent and null timestamps stay null', () => {
  const out = eventsV1ToCoreEvent({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'e' },
    eventTime: null,
    note: 'hi',
  });
  assert.deepEqual(out, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, eventTime: null, message: 'hi' });
});
