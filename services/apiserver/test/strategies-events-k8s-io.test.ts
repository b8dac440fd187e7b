import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { eventStrategy } from '../src/registry/strategies/events';
import { eventsK8sIoStrategy } from '../src/registry/strategies/events-k8s-io';

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

function v1Event(over: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.17a8b', namespace: 'default' },
    eventTime: '2026-01-01T00:00:00.000000Z',
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-1',
    action: 'Pull',
    reason: 'Pulled',
    note: 'pulled',
    type: 'Normal',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web' },
    ...over,
  };
}

test('events.k8s.io/v1 create: the rules the events API adds, with the internal field paths', () => {
  const cases: Array<{ name: string; obj: KubeObject; want: string[] }> = [
    { name: 'valid', obj: v1Event(), want: [] },
    { name: 'no eventTime', obj: v1Event({ eventTime: undefined }), want: ['FieldValueRequired eventTime'] },
    {
      name: 'bad type',
      obj: v1Event({ type: 'Info' }),
      want: ['FieldValueInvalid type'],
    },
    {
      name: 'deprecated fields set',
      obj: v1Event({
        deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
        deprecatedLastTimestamp: '2026-01-01T00:00:00Z',
        deprecatedCount: 2,
        deprecatedSource: { component: 'kubelet' },
      }),
      want: [
        'FieldValueInvalid firstTimestamp',
        'FieldValueInvalid lastTimestamp',
        'FieldValueInvalid count',
        'FieldValueInvalid source',
      ],
    },
    {
      name: 'series too short and without time',
      obj: v1Event({ series: { count: 1 } }),
      want: ['FieldValueInvalid series.count', 'FieldValueRequired series.lastObservedTime'],
    },
    {
      name: 'name must be a DNS subdomain here (core/v1 takes any path segment)',
      obj: v1Event({ metadata: { name: 'Web_1', namespace: 'default' } }),
      want: ['FieldValueInvalid metadata.name'],
    },
    {
      name: 'note too long',
      obj: v1Event({ note: 'x'.repeat(1025) }),
      want: ['FieldValueInvalid message'],
    },
    {
      name: 'no reporting controller',
      obj: v1Event({ reportingController: '' }),
      want: [
        'FieldValueRequired reportingController',
        'FieldValueInvalid reportingController',
        'FieldValueInvalid reportingController',
      ],
    },
  ];
  for (const c of cases) {
    assert.deepEqual(summary(eventsK8sIoStrategy.validate(c.obj)), c.want, c.name);
  }
});

test('events.k8s.io/v1 create: upstream messages', () => {
  const messages = eventsK8sIoStrategy.validate(v1Event({ type: 'Info', series: { count: 1 } })).map((e) => e.message);
  assert.deepEqual(messages, [
    'Invalid value: "": should be at least 2',
    'Required value',
    'Invalid value: "": has invalid value: Info',
  ]);
});

test('core/v1 create keeps the legacy rules only', () => {
  const core: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'Web_1', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
    reason: 'Pulled',
    type: 'Info',
    count: 3,
    firstTimestamp: '2026-01-01T00:00:00Z',
  };
  assert.deepEqual(eventStrategy.validate(core), []);
});

test('events.k8s.io/v1 update: the event is immutable but for its series', () => {
  const old = v1Event({ metadata: { name: 'web.17a8b', namespace: 'default', resourceVersion: '5' } });
  const bumped = v1Event({
    metadata: { name: 'web.17a8b', namespace: 'default', resourceVersion: '5' },
    series: { count: 2, lastObservedTime: '2026-01-01T00:05:00.000000Z' },
  });
  assert.deepEqual(eventsK8sIoStrategy.validateUpdate(bumped, old), []);
  const changed = v1Event({
    metadata: { name: 'web.17a8b', namespace: 'default', resourceVersion: '5' },
    note: 'other',
    action: 'Start',
    reportingController: 'example.com/other',
  });
  assert.deepEqual(summary(eventsK8sIoStrategy.validateUpdate(changed, old)), [
    'FieldValueInvalid message',
    'FieldValueInvalid action',
    'FieldValueInvalid reportingController',
  ]);
});
