import type { FieldError } from '../../api/errors';
import { duplicate, GoValue, goQuote, index, invalid, required, validateNonnegative } from '../validation/field';
import { numberAt, objectAt, objectsAt, stringAt, type Obj } from './common';

/**
 * Upstream 1.32's ValidateJobStatusUpdate with the options its job status
 * strategy turns on (JobManagedBy is on by default there): most rules apply only
 * when the write changes what they are about, so controllers can still write
 * statuses that older servers let through.
 */

type Cond = 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet' | 'Suspended';

function conditionTrue(status: Obj | undefined, type: Cond): boolean {
  return objectsAt(status, 'conditions').some((c) => c.type === type && c.status === 'True');
}

const isFinished = (s: Obj | undefined): boolean => conditionTrue(s, 'Complete') || conditionTrue(s, 'Failed');

/** field.Invalid with field.OmitValueType: the message carries no value. */
function invalidNoValue(field: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${detail}` };
}

/** A metav1.Time as Go's Time.String prints it (kapi stores second precision, UTC). */
function goTime(rfc3339: string): GoValue {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return new GoValue(goQuote(rfc3339));
  const iso = d.toISOString();
  return new GoValue(`${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`);
}

function goUIDs(list: unknown): string {
  if (!Array.isArray(list)) return '[]types.UID(nil)';
  return `[]types.UID{${list.map((u) => goQuote(String(u))).join(', ')}}`;
}

/** An index interval `x` or `x-y` below completions, as upstream's parseIndexInterval reads it. */
function parseInterval(text: string, completions: number): [number, number] {
  const parts = text.split('-');
  if (parts.length > 2) {
    throw new Error(
      `the fragment ${goQuote(text)} violates the requirement that an index interval can have at most two parts separated by '-'`,
    );
  }
  const bound = (s: string): number => {
    // Go's strconv.Atoi: optional sign, decimal digits only
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`cannot convert string to integer for index: ${goQuote(s)}`);
    const n = Number(s);
    if (n >= completions) throw new Error(`too large index: ${goQuote(s)}`);
    return n;
  };
  const x = bound(parts[0]);
  if (parts.length === 1) return [x, x];
  const y = bound(parts[1]);
  if (x >= y) throw new Error(`non-increasing order, previous: ${x}, current: ${y}`);
  return [x, y];
}

/** upstream's validateIndexesFormat: ascending, non-overlapping intervals. */
function checkIndexes(text: string, completions: number): string | undefined {
  if (text === '') return undefined;
  let last: number | undefined;
  try {
    for (const part of text.split(',')) {
      const [x, y] = parseInterval(part, completions);
      if (last !== undefined && last >= x) return `non-increasing order, previous: ${last}, current: ${x}`;
      last = y;
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

function intervals(text: string, completions: number): Array<[number, number] | undefined> {
  return text.split(',').map((part) => {
    try {
      return parseInterval(part, completions);
    } catch {
      return undefined;
    }
  });
}

/** The first index both lists name; unparsable intervals are skipped (the format check reports them). */
function overlapAt(completed: string, failed: string, completions: number): number | undefined {
  if (completed === '' || failed === '') return undefined;
  const c = intervals(completed, completions);
  const f = intervals(failed, completions);
  let i = 0;
  let j = 0;
  while (i < c.length && j < f.length) {
    const a = c[i];
    const b = f[j];
    if (!a) i++;
    else if (!b) j++;
    else if (a[0] <= b[1] && b[0] <= a[1]) return Math.max(a[0], b[0]);
    else if (a[0] <= b[0]) i++;
    else j++;
  }
  return undefined;
}

function changed(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
}

export function validateJobStatusUpdate(job: Obj, old: Obj): FieldError[] {
  const spec = objectAt(job, 'spec');
  const status = objectAt(job, 'status');
  const oldStatus = objectAt(old, 'status');
  const errs: FieldError[] = [];
  const at = (f: string): string => `status.${f}`;
  const indexed = stringAt(spec, 'completionMode') === 'Indexed';
  const completions = numberAt(spec, 'completions');
  const perIndex = numberAt(spec, 'backoffLimitPerIndex');
  const failedIndexes = typeof status?.failedIndexes === 'string' ? status.failedIndexes : undefined;
  const completedIndexes = stringAt(status, 'completedIndexes');
  const startTime = stringAt(status, 'startTime');
  const completionTime = stringAt(status, 'completionTime');
  const uncounted = objectAt(status, 'uncountedTerminatedPods');
  const active = numberAt(status, 'active') ?? 0;

  const finishedChanged = isFinished(status) !== isFinished(oldStatus);
  const flip = (t: Cond): boolean => conditionTrue(status, t) !== conditionTrue(oldStatus, t);
  const completedIndexesChanged = completedIndexes !== stringAt(oldStatus, 'completedIndexes');
  const failedIndexesChanged = changed(failedIndexes, oldStatus?.failedIndexes);
  const startChanged = changed(status?.startTime, oldStatus?.startTime);
  const completionChanged = changed(status?.completionTime, oldStatus?.completionTime);
  const uncountedChanged = changed(uncounted, oldStatus?.uncountedTerminatedPods);
  const activeChanged = active !== (numberAt(oldStatus, 'active') ?? 0);
  const complete = conditionTrue(status, 'Complete');
  const failed = conditionTrue(status, 'Failed');
  const successMet = conditionTrue(status, 'SuccessCriteriaMet');
  const failureTarget = conditionTrue(status, 'FailureTarget');

  // validateJobStatus
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) {
    errs.push(...validateNonnegative(numberAt(status, f), at(f)));
  }
  if (uncounted) {
    const seen = new Set<string>();
    for (const list of ['succeeded', 'failed']) {
      const uids: unknown[] = Array.isArray(uncounted[list]) ? (uncounted[list] as unknown[]) : [];
      uids.forEach((u, i) => {
        const uid = String(u ?? '');
        const p = index(at(`uncountedTerminatedPods.${list}`), i);
        if (uid === '') errs.push(invalid(p, uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(duplicate(p, uid));
        else seen.add(uid);
      });
    }
  }
  if ((flip('Complete') || flip('Failed')) && complete && failed) {
    errs.push(invalidNoValue(at('conditions'), 'cannot set Complete=True and Failed=true conditions'));
  }
  if ((flip('Complete') || flip('FailureTarget')) && complete && failureTarget) {
    errs.push(invalidNoValue(at('conditions'), 'cannot set Complete=True and FailureTarget=true conditions'));
  }
  if (flip('Complete') || completionChanged) {
    if (completionTime !== '' && !complete) {
      errs.push(
        invalid(
          at('completionTime'),
          goTime(completionTime),
          'cannot set completionTime when there is no Complete=True condition',
        ),
      );
    }
    if (completionTime === '' && complete) {
      errs.push(required(at('completionTime'), 'completionTime is required for Complete jobs'));
    }
  }
  if ((startChanged || completionChanged) && startTime !== '' && completionTime !== '') {
    if (new Date(completionTime).getTime() < new Date(startTime).getTime()) {
      errs.push(invalid(at('completionTime'), goTime(completionTime), 'completionTime cannot be set before startTime'));
    }
  }
  const finished = isFinished(status);
  if ((finishedChanged || activeChanged) && active > 0 && finished) {
    errs.push(invalid(at('active'), active, 'active>0 is invalid for finished job'));
  }
  if ((finishedChanged || startChanged) && startTime === '' && finished) {
    errs.push(required(at('startTime'), 'startTime is required for finished job'));
  }
  if ((finishedChanged || uncountedChanged) && finished && uncounted) {
    const count = ['succeeded', 'failed'].reduce(
      (n, k) => n + (Array.isArray(uncounted[k]) ? uncounted[k].length : 0),
      0,
    );
    if (count > 0) {
      const value = new GoValue(
        `batch.UncountedTerminatedPods{Succeeded:${goUIDs(uncounted.succeeded)}, Failed:${goUIDs(uncounted.failed)}}`,
      );
      errs.push(
        invalid(at('uncountedTerminatedPods'), value, 'uncountedTerminatedPods needs to be empty for finished job'),
      );
    }
  }
  if (completedIndexesChanged && completions !== undefined) {
    const problem = checkIndexes(completedIndexes, completions);
    if (problem) {
      errs.push(invalid(at('completedIndexes'), completedIndexes, `error parsing completedIndexes: ${problem}`));
    }
  }
  if (failedIndexesChanged && completions !== undefined && perIndex !== undefined && failedIndexes !== undefined) {
    const problem = checkIndexes(failedIndexes, completions);
    if (problem) errs.push(invalid(at('failedIndexes'), failedIndexes, `error parsing failedIndexes: ${problem}`));
  }
  if (completedIndexesChanged && completedIndexes !== '' && !indexed) {
    errs.push(
      invalid(
        at('completedIndexes'),
        completedIndexes,
        'cannot set non-empty completedIndexes when non-indexed completion mode',
      ),
    );
  }
  if (failedIndexesChanged && perIndex === undefined && failedIndexes !== undefined) {
    errs.push(
      invalid(
        at('failedIndexes'),
        failedIndexes,
        'cannot set non-null failedIndexes when backoffLimitPerIndex is null',
      ),
    );
  }
  if ((failedIndexesChanged || completedIndexesChanged) && completions !== undefined && failedIndexes !== undefined) {
    const overlap = overlapAt(completedIndexes, failedIndexes, completions);
    if (overlap !== undefined) {
      errs.push(
        invalid(at('failedIndexes'), failedIndexes, `failedIndexes and completedIndexes overlap at index: ${overlap}`),
      );
    }
  }
  if (successMet && failed) {
    errs.push(invalidNoValue(at('conditions'), 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  }
  if (successMet && failureTarget) {
    errs.push(invalidNoValue(at('conditions'), 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  }
  if (objectAt(spec, 'successPolicy') && !successMet && complete) {
    errs.push(
      invalidNoValue(
        at('conditions'),
        'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True',
      ),
    );
  }

  // ValidateJobStatusUpdate
  for (const t of ['Failed', 'Complete', 'FailureTarget'] as const) {
    if (conditionTrue(oldStatus, t) && !conditionTrue(status, t)) {
      errs.push(invalidNoValue(at('conditions'), `cannot disable the terminal ${t}=True condition`));
    }
  }
  const num = (s: Obj | undefined, f: string): number => numberAt(s, f) ?? 0;
  if (num(status, 'failed') < num(oldStatus, 'failed')) {
    errs.push(invalid(at('failed'), num(status, 'failed'), 'cannot decrease the failed counter'));
  }
  // a scaled-down elastic indexed job (completions == parallelism) may lower succeeded
  const elastic = indexed && completions !== undefined && completions === numberAt(spec, 'parallelism');
  if (!elastic && num(status, 'succeeded') < num(oldStatus, 'succeeded')) {
    errs.push(invalid(at('succeeded'), num(status, 'succeeded'), 'cannot decrease the succeeded counter'));
  }
  const oldCompletion = stringAt(oldStatus, 'completionTime');
  if (completionTime !== '' && oldCompletion !== '' && completionTime !== oldCompletion) {
    errs.push(invalid(at('completionTime'), goTime(completionTime), 'completionTime cannot be mutated'));
  }
  if (startChanged && stringAt(oldStatus, 'startTime') !== '' && objectAt(job, 'spec')?.suspend !== true) {
    errs.push(required(at('startTime'), 'startTime cannot be removed for unsuspended job'));
  }
  if (conditionTrue(oldStatus, 'SuccessCriteriaMet') && !successMet) {
    errs.push(invalidNoValue(at('conditions'), 'cannot disable the SuccessCriteriaMet=True condition'));
  }
  if (conditionTrue(oldStatus, 'Complete') && !conditionTrue(oldStatus, 'SuccessCriteriaMet') && successMet) {
    errs.push(
      invalidNoValue(
        at('conditions'),
        'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions',
      ),
    );
  }
  return errs;
}
