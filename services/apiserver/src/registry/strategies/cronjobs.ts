import type { FieldError } from '../../api/errors';
import type { CronJob } from '../../generated/k8s.io.api.batch.v1';
import { child, invalid, notSupported, required, validateNonnegative } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { goLabelSelector, asLabelSelector } from '../validation/labelselector';
import {
  ensureObject,
  forStore,
  metaOf,
  numberAt,
  objectAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { cronScheduleError } from './cron-schedule';
import { validateJobSpecCommon } from './jobs';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import { keepStatusBumpGeneration, resetStatusOnCreate } from './workload-common';

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
/** Jobs are named `<cronjob>-<11 characters>` and must stay DNS-1035 labels (63). */
const MAX_CRONJOB_NAME_LENGTH = 52;
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/**
 * SetDefaults_CronJob. The job template gets only the pod template's
 * defaults: Job defaulting happens when the controller creates the Job.
 */
export function applyCronJobDefaults(obj: CronJob): void {
  const spec = ensureObject(obj, 'spec');
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (typeof spec.suspend !== 'boolean') spec.suspend = false;
  if (typeof spec.successfulJobsHistoryLimit !== 'number') spec.successfulJobsHistoryLimit = 3;
  if (typeof spec.failedJobsHistoryLimit !== 'number') spec.failedJobsHistoryLimit = 1;
  const jobSpec = ensureObject(ensureObject(spec, 'jobTemplate'), 'spec');
  defaultPodTemplateSpec(ensureObject(jobSpec, 'template'));
}

/**
 * Whether Go's time.LoadLocation knows the zone. Node's ICU knows the same IANA
 * database but matches names case-insensitively, which the zoneinfo files do not.
 */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  const canonical = new Set(Intl.supportedValuesOf('timeZone'));
  if (canonical.has(tz)) return true;
  // aliases such as US/Eastern or Etc/GMT+5: each part starts as the zoneinfo file names do
  return tz.split('/').every((part) => /^[A-Z]/.test(part));
}

function validateTimeZone(timeZone: unknown, path: string): FieldError[] {
  if (timeZone === undefined || timeZone === null) return [];
  const tz = String(timeZone);
  if (tz === '') return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  if (tz.toLowerCase() === 'local') {
    return [invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  return isKnownTimeZone(tz) ? [] : [invalid(path, tz, `unknown time zone ${tz}`)];
}

function validateSchedule(spec: Obj, oldSpec: Obj | undefined): FieldError[] {
  const path = 'spec.schedule';
  const schedule = stringAt(spec, 'schedule');
  if (schedule === '') return [required(path)];
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule, isKnownTimeZone);
  if (parseError) errs.push(invalid(path, schedule, parseError));
  // A TZ prefix is tolerated only on CronJobs that already had one.
  const allowTZ = oldSpec !== undefined && stringAt(oldSpec, 'schedule').includes('TZ');
  if (allowTZ && schedule.includes('TZ') && typeof spec.timeZone === 'string') {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateJobTemplate(spec: Obj): FieldError[] {
  const path = 'spec.jobTemplate.spec';
  const jobSpec: Obj = objectAt(objectAt(spec, 'jobTemplate'), 'spec') ?? {};
  const errs = validateJobSpecCommon(jobSpec, path);
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) {
    errs.push(
      invalid(
        child(path, 'selector'),
        goLabelSelector(asLabelSelector(jobSpec.selector)),
        '`selector` will be auto-generated',
      ),
    );
  }
  if (jobSpec.manualSelector === true) errs.push(notSupported(child(path, 'manualSelector'), true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(obj: CronJob, old: CronJob | undefined): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const oldSpec = old ? (objectAt(old, 'spec') ?? {}) : undefined;
  const errs = validateSchedule(spec, oldSpec);
  errs.push(...validateNonnegative(numberAt(spec, 'startingDeadlineSeconds'), 'spec.startingDeadlineSeconds'));
  if (oldSpec === undefined || oldSpec.timeZone !== spec.timeZone) {
    errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  }
  const policy = stringAt(spec, 'concurrencyPolicy');
  if (policy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  }
  errs.push(...validateJobTemplate(spec));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    errs.push(...validateNonnegative(numberAt(spec, f), child('spec', f)));
  }
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const cronJobStrategy: KindStrategy = forStore<CronJob>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyCronJobDefaults,
  prepareForCreate: resetStatusOnCreate,
  prepareForUpdate: keepStatusBumpGeneration,

  validate(obj) {
    const errs = [...validateMetaCreate(obj, metaRules), ...validateCronJobSpec(obj, undefined)];
    const name = metaOf(obj).name ?? '';
    if (name.length > MAX_CRONJOB_NAME_LENGTH) {
      errs.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
    }
    return errs;
  },

  // the name length limit is not checked again, so that older long-named CronJobs stay editable
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateCronJobSpec(obj, old)];
  },
});
