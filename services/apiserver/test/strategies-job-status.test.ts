import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Obj } from '../src/registry/strategies/common';
import { validateJobStatusUpdate } from '../src/registry/strategies/job-status-validation';
import { jobStrategy } from '../src/registry/strategies/jobs';

type Json = Record<string, unknown>;

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';

function job(spec: Json, status: Json): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'u', resourceVersion: '1' },
    spec: { completions: 4, parallelism: 2, ...spec },
    status,
  };
}

const cond = (type: string, status = 'True'): Json => ({ type, status });

/** `type field: message` of each error a status write from `before` to `after` gets. */
function check(before: Json, after: Json, spec: Json = {}): string[] {
  return validateJobStatusUpdate(job(spec, after), job(spec, before)).map((e) => `${e.field}: ${e.message}`);
}

describe('job status updates as upstream 1.32 validates them', () => {
  test('a controller’s ordinary progress passes', () => {
    assert.deepEqual(check({}, { startTime: T0, active: 2, ready: 1 }), []);
    assert.deepEqual(check({ startTime: T0, active: 2 }, { startTime: T0, active: 1, succeeded: 1 }), []);
    const done = {
      startTime: T0,
      completionTime: T1,
      succeeded: 4,
      conditions: [cond('SuccessCriteriaMet'), cond('Complete')],
    };
    assert.deepEqual(check({ startTime: T0, active: 1, succeeded: 3 }, done), []);
  });

  test('counters may not go down (succeeded may on a scaled-down elastic indexed job)', () => {
    assert.deepEqual(check({ failed: 2, succeeded: 1 }, { failed: 1, succeeded: 0 }), [
      'status.failed: Invalid value: 1: cannot decrease the failed counter',
      'status.succeeded: Invalid value: 0: cannot decrease the succeeded counter',
    ]);
    const elastic = { completionMode: 'Indexed', completions: 2, parallelism: 2 };
    assert.deepEqual(check({ succeeded: 2 }, { succeeded: 1 }, elastic), []);
    assert.deepEqual(check({}, { active: -1 }), [
      'status.active: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  test('terminal conditions stay, and come with their times', () => {
    assert.deepEqual(
      check(
        { startTime: T0, completionTime: T1, conditions: [cond('Complete')] },
        { startTime: T0, completionTime: T1, conditions: [cond('Complete', 'False')] },
      ),
      [
        // the flip of Complete re-checks completionTime too, as upstream does
        'status.completionTime: Invalid value: 2026-01-01 00:05:00 +0000 UTC: cannot set completionTime when there is no Complete=True condition',
        'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
      ],
    );
    assert.deepEqual(check({ startTime: T0 }, { startTime: T0, conditions: [cond('Complete')] }), [
      'status.completionTime: Required value: completionTime is required for Complete jobs',
    ]);
    assert.deepEqual(check({ startTime: T0 }, { startTime: T0, completionTime: T1 }), [
      'status.completionTime: Invalid value: 2026-01-01 00:05:00 +0000 UTC: cannot set completionTime when there is no Complete=True condition',
    ]);
    assert.deepEqual(check({}, { conditions: [cond('FailureTarget'), cond('Failed')] }), [
      'status.startTime: Required value: startTime is required for finished job',
    ]);
    assert.deepEqual(check({ startTime: T1 }, { startTime: T1, completionTime: T0, conditions: [cond('Complete')] }), [
      'status.completionTime: Invalid value: 2026-01-01 00:00:00 +0000 UTC: completionTime cannot be set before startTime',
    ]);
    assert.deepEqual(
      check(
        { startTime: T0, completionTime: T0, conditions: [cond('Complete')] },
        { startTime: T0, completionTime: T1, conditions: [cond('Complete')] },
      ),
      ['status.completionTime: Invalid value: 2026-01-01 00:05:00 +0000 UTC: completionTime cannot be mutated'],
    );
  });

  test('a finished job has no active or uncounted pods, and cannot be both complete and failed', () => {
    assert.deepEqual(
      check(
        { startTime: T0, active: 1 },
        { startTime: T0, active: 1, conditions: [cond('FailureTarget'), cond('Failed')] },
      ),
      ['status.active: Invalid value: 1: active>0 is invalid for finished job'],
    );
    assert.deepEqual(
      check(
        { startTime: T0 },
        {
          startTime: T0,
          uncountedTerminatedPods: { succeeded: ['a'] },
          conditions: [cond('FailureTarget'), cond('Failed')],
        },
      ),
      [
        'status.uncountedTerminatedPods: Invalid value: batch.UncountedTerminatedPods{Succeeded:[]types.UID{"a"}, Failed:[]types.UID(nil)}: uncountedTerminatedPods needs to be empty for finished job',
      ],
    );
    const both = check(
      { startTime: T0 },
      { startTime: T0, completionTime: T1, conditions: [cond('Complete'), cond('Failed')] },
    );
    assert.ok(both.includes('status.conditions: Invalid value: cannot set Complete=True and Failed=true conditions'));
    assert.deepEqual(check({}, { uncountedTerminatedPods: { succeeded: ['a', ''], failed: ['a'] } }), [
      'status.uncountedTerminatedPods.succeeded[1]: Invalid value: "": must not be empty',
      'status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"',
    ]);
  });

  test('startTime stays for an unsuspended job', () => {
    assert.deepEqual(check({ startTime: T0 }, {}), [
      'status.startTime: Required value: startTime cannot be removed for unsuspended job',
    ]);
    assert.deepEqual(check({ startTime: T0 }, {}, { suspend: true }), []);
  });

  test('completed and failed indexes follow the interval format and never overlap', () => {
    const indexed = { completionMode: 'Indexed', backoffLimitPerIndex: 1 };
    assert.deepEqual(check({}, { completedIndexes: '0,2-3' }, indexed), []);
    assert.deepEqual(check({}, { completedIndexes: '3,1' }, indexed), [
      'status.completedIndexes: Invalid value: "3,1": error parsing completedIndexes: non-increasing order, previous: 3, current: 1',
    ]);
    assert.deepEqual(check({}, { completedIndexes: '1-9' }, indexed), [
      'status.completedIndexes: Invalid value: "1-9": error parsing completedIndexes: too large index: "9"',
    ]);
    assert.deepEqual(check({}, { completedIndexes: 'x' }, indexed), [
      'status.completedIndexes: Invalid value: "x": error parsing completedIndexes: cannot convert string to integer for index: "x"',
    ]);
    assert.deepEqual(check({}, { completedIndexes: '0-1', failedIndexes: '1,3' }, indexed), [
      'status.failedIndexes: Invalid value: "1,3": failedIndexes and completedIndexes overlap at index: 1',
    ]);
    assert.deepEqual(check({}, { completedIndexes: '1' }), [
      'status.completedIndexes: Invalid value: "1": cannot set non-empty completedIndexes when non-indexed completion mode',
    ]);
    assert.deepEqual(check({}, { failedIndexes: '1' }, { completionMode: 'Indexed' }), [
      'status.failedIndexes: Invalid value: "1": cannot set non-null failedIndexes when backoffLimitPerIndex is null',
    ]);
  });

  test('an unchanged bad status is left to its writer: the rules look at what changed', () => {
    const legacy = { active: 3, conditions: [cond('Failed')] };
    assert.deepEqual(check(legacy, legacy), []);
  });

  test('the job strategy uses these rules for /status writes only', () => {
    const before = job({}, { failed: 2 });
    const after = job({}, { failed: 1 });
    assert.deepEqual(
      jobStrategy.validateStatusUpdate?.(after, before).map((e) => e.field),
      ['status.failed'],
    );
  });
});
