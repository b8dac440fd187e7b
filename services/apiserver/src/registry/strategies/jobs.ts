import type { FieldError } from '../../api/errors';
import type { Job } from '../../generated/k8s.io.api.batch.v1';
import {
  FIELD_IMMUTABLE,
  child,
  forbidden,
  goStringMap,
  invalid,
  notSupported,
  required,
  validateNonnegative,
} from '../validation/field';
import { asLabelSelector, goLabelSelector, selectorMatches, validateLabelSelector } from '../validation/labelselector';
import { isDNS1123Label, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  ensureObject,
  forStore,
  metaOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringMapAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { validateJobStatusUpdate } from './job-status-validation';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import { validatePodTemplateSpec } from './podtemplate-validation';
import {
  keepStatusBumpGeneration,
  resetStatusOnCreate,
  validateSelectorMatchesTemplate,
  validateStatusCounters,
} from './workload-common';

/** The labels upstream's job strategy puts on generated pod templates (legacy and prefixed). */
export const JOB_NAME_LABELS = ['job-name', 'batch.kubernetes.io/job-name'];
export const CONTROLLER_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

const DEFAULT_BACKOFF_LIMIT = 6;
const MAX_INT32 = 2147483647;
const MAX_INDEXED_PARALLELISM = 100000;
const MAX_INDEXED_COMPLETIONS = 100000;
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];

/** SetDefaults_Job for the 1.32 default feature set, then the pod template's defaults. */
export function applyJobDefaults(obj: Job): void {
  const spec = ensureObject(obj, 'spec');
  if (typeof spec.completions !== 'number' && typeof spec.parallelism !== 'number') {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (typeof spec.parallelism !== 'number') spec.parallelism = 1;
  if (typeof spec.backoffLimit !== 'number') {
    spec.backoffLimit = typeof spec.backoffLimitPerIndex === 'number' ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT;
  }
  const template = ensureObject(spec, 'template');
  copyTemplateLabelsToJob(obj, template);
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (typeof spec.suspend !== 'boolean') spec.suspend = false;
  const podFailurePolicy = objectAt(spec, 'podFailurePolicy');
  for (const rule of objectsAt(podFailurePolicy, 'rules')) {
    for (const pattern of objectsAt(rule, 'onPodConditions')) if (!pattern.status) pattern.status = 'True';
  }
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  if (typeof spec.manualSelector !== 'boolean') spec.manualSelector = false;
  defaultPodTemplateSpec(template);
}

/** A Job without labels of its own is labelled as its pods. */
function copyTemplateLabelsToJob(obj: Job, template: Obj): void {
  const labels = stringMapAt(objectAt(template, 'metadata'), 'labels');
  const meta = metaOf(obj);
  if (labels && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...labels };
}

/**
 * Unless the client chose its own selector, the pods are labelled with the
 * Job's name and uid and the selector picks the uid label: no two Jobs can
 * then select each other's pods. Labels the client set are kept (validation
 * refuses wrong ones).
 */
export function generateJobSelector(obj: Job): void {
  const meta = metaOf(obj);
  const spec = ensureObject(obj, 'spec');
  const templateMeta = ensureObject(ensureObject(spec, 'template'), 'metadata');
  const labels: Record<string, string> = { ...(stringMapAt(templateMeta, 'labels') ?? {}) };
  for (const k of JOB_NAME_LABELS) if (!(k in labels)) labels[k] = meta.name ?? '';
  for (const k of CONTROLLER_UID_LABELS) if (!(k in labels)) labels[k] = meta.uid ?? '';
  templateMeta.labels = labels;
  const selector = ensureObject(spec, 'selector');
  const matchLabels = ensureObject(selector, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = meta.uid ?? '';
}

function validateHasLabel(labels: Record<string, string>, key: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!(key in labels)) return [required(path, `must be '${expected}'`)];
  if (labels[key] !== expected) return [invalid(path, goStringMap(labels), `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: the generated labels are there and the selector picks this Job's uid. */
function validateGeneratedSelector(obj: Job): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  if (spec.manualSelector === true) return [];
  const labels = stringMapAt(objectAt(objectAt(spec, 'template'), 'metadata'), 'labels');
  if (!labels) return [];
  const meta = metaOf(obj);
  const uid = meta.uid ?? '';
  const name = meta.name ?? '';
  const errs = [
    ...validateHasLabel(labels, 'controller-uid', uid),
    ...validateHasLabel(labels, 'job-name', name),
    ...validateHasLabel(labels, CONTROLLER_UID_LABEL, uid),
    ...validateHasLabel(labels, 'batch.kubernetes.io/job-name', name),
  ];
  const selector = asLabelSelector(spec.selector);
  if (selector && validateLabelSelector(selector, '').length === 0) {
    if (!selectorMatches(selector, { [CONTROLLER_UID_LABEL]: uid })) {
      errs.push(invalid('spec.selector', goLabelSelector(selector), '`selector` not auto-generated'));
    }
  }
  return errs;
}

function validateCompletionMode(spec: Obj, path: string): FieldError[] {
  const mode = spec.completionMode;
  if (mode === undefined || mode === null) return [];
  if (typeof mode !== 'string' || !COMPLETION_MODES.includes(mode)) {
    return [notSupported(child(path, 'completionMode'), mode as string, COMPLETION_MODES)];
  }
  if (mode !== 'Indexed') return [];
  const errs: FieldError[] = [];
  const completions = numberAt(spec, 'completions');
  const parallelism = numberAt(spec, 'parallelism');
  if (completions === undefined) errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
  else if (completions > MAX_INDEXED_COMPLETIONS) {
    errs.push(
      invalid(
        child(path, 'completions'),
        completions,
        `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`,
      ),
    );
  }
  if (parallelism !== undefined && parallelism > MAX_INDEXED_PARALLELISM) {
    errs.push(
      invalid(
        child(path, 'parallelism'),
        parallelism,
        `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`,
      ),
    );
  }
  return errs;
}

function validatePodReplacementPolicy(spec: Obj, path: string): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (typeof policy !== 'string') return [];
  const allowed = objectAt(spec, 'podFailurePolicy') ? ['Failed'] : POD_REPLACEMENT_POLICIES;
  return allowed.includes(policy) ? [] : [notSupported(child(path, 'podReplacementPolicy'), policy, allowed)];
}

/**
 * validateJobSpec: what a Job spec and a CronJob's job template share. The
 * selector rules are the callers' (a template's selector is always generated).
 */
export function validateJobSpecCommon(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...validateNonnegative(numberAt(spec, f), child(path, f)));
  }
  const backoffLimitPerIndex = numberAt(spec, 'backoffLimitPerIndex');
  if (backoffLimitPerIndex !== undefined) {
    errs.push(...validateNonnegative(backoffLimitPerIndex, child(path, 'backoffLimitPerIndex')));
    if (spec.completionMode !== 'Indexed') {
      errs.push(forbidden(child(path, 'backoffLimitPerIndex'), 'requires indexed completion mode'));
    }
  }
  errs.push(...validateCompletionMode(spec, path));
  errs.push(...validatePodReplacementPolicy(spec, path));
  const template = objectAt(spec, 'template') ?? {};
  const templatePath = child(path, 'template');
  errs.push(...validatePodTemplateSpec(template, templatePath));
  const restartPolicy = stringAt(objectAt(template, 'spec'), 'restartPolicy');
  const restartPath = child(templatePath, 'spec.restartPolicy');
  if (!JOB_RESTART_POLICIES.includes(restartPolicy)) {
    errs.push(notSupported(restartPath, restartPolicy, JOB_RESTART_POLICIES));
  } else if (restartPolicy === 'OnFailure' && objectAt(spec, 'podFailurePolicy')) {
    errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

function validateJobSpec(obj: Job): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const errs = validateJobSpecCommon(spec, 'spec');
  const selector = asLabelSelector(spec.selector);
  if (!selector) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(selector, 'spec.selector'));
  errs.push(...validateSelectorMatchesTemplate(selector, objectAt(spec, 'template') ?? {}, 'spec.template'));
  return errs;
}

/** Indexed Jobs' pod hostnames end in -<index>, and must stay DNS labels. */
function validateIndexedHostnames(obj: Job): FieldError[] {
  const spec = objectAt(obj, 'spec');
  const completions = numberAt(spec, 'completions');
  if (stringAt(spec, 'completionMode') !== 'Indexed' || completions === undefined || completions <= 0) return [];
  const name = metaOf(obj).name ?? '';
  const hostname = `${name}-${completions - 1}`;
  if (isDNS1123Label(hostname).length === 0) return [];
  return [invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${hostname}`)];
}

/**
 * The template is fixed once the Job exists, except that a suspended Job which
 * never started may still be steered: node affinity, node selector,
 * tolerations, labels, annotations and scheduling gates.
 */
function validateTemplateUpdate(obj: Job, old: Job): FieldError[] {
  const template = objectAt(obj.spec, 'template');
  const oldTemplate: Obj = deepClone(objectAt(old.spec, 'template')) ?? {};
  const neverStarted = objectAt(old, 'status')?.startTime === undefined;
  if (objectAt(old, 'spec')?.suspend === true && neverStarted) {
    const podSpec = objectAt(template, 'spec') ?? {};
    const oldPodSpec = ensureObject(oldTemplate, 'spec');
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) copyField(podSpec, oldPodSpec, f);
    const affinity = objectAt(podSpec, 'affinity');
    const oldAffinity = objectAt(oldPodSpec, 'affinity');
    if (affinity || oldAffinity) {
      const merged = { ...(oldAffinity ?? {}) };
      copyField(affinity ?? {}, merged, 'nodeAffinity');
      if (Object.keys(merged).length === 0 && !affinity) delete oldPodSpec.affinity;
      else oldPodSpec.affinity = merged;
    }
    const meta = objectAt(template, 'metadata') ?? {};
    const oldMeta = ensureObject(oldTemplate, 'metadata');
    for (const f of ['labels', 'annotations']) copyField(meta, oldMeta, f);
  }
  return semanticEqual(template, oldTemplate) ? [] : [invalid('spec.template', template ?? null, FIELD_IMMUTABLE)];
}

function copyField(from: Obj, to: Obj, f: string): void {
  if (from[f] === undefined) delete to[f];
  else to[f] = from[f];
}

/** Completions may change only for Indexed Jobs, and then only together with parallelism. */
function validateCompletionsUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  const completions = numberAt(spec, 'completions');
  if (semanticEqual(completions, numberAt(oldSpec, 'completions'))) return [];
  if (stringAt(spec, 'completionMode') !== 'Indexed') {
    return [invalid('spec.completions', completions ?? null, FIELD_IMMUTABLE)];
  }
  if (completions === undefined || completions === numberAt(spec, 'parallelism')) return [];
  return [invalid('spec.completions', completions, 'can only be modified in tandem with spec.parallelism')];
}

const IMMUTABLE_SPEC_FIELDS = [
  'completionMode',
  'podFailurePolicy',
  'backoffLimitPerIndex',
  'managedBy',
  'successPolicy',
];

function validateJobSpecUpdate(obj: Job, old: Job): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const oldSpec: Obj = objectAt(old, 'spec') ?? {};
  const errs = validateCompletionsUpdate(spec, oldSpec);
  const selector = asLabelSelector(spec.selector);
  if (!semanticEqual(selector, asLabelSelector(oldSpec.selector))) {
    errs.push(invalid('spec.selector', goLabelSelector(selector), FIELD_IMMUTABLE));
  }
  errs.push(...validateTemplateUpdate(obj, old));
  for (const f of IMMUTABLE_SPEC_FIELDS) {
    if (!semanticEqual(spec[f], oldSpec[f])) errs.push(invalid(child('spec', f), spec[f] ?? null, FIELD_IMMUTABLE));
  }
  return errs;
}

const STATUS_COUNTERS = ['active', 'succeeded', 'failed', 'ready', 'terminating'];
const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const jobStrategy: KindStrategy = forStore<Job>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyJobDefaults,

  prepareForCreate(obj) {
    if (objectAt(obj, 'spec')?.manualSelector !== true) generateJobSelector(obj);
    // Reads default the Job's labels from the template's, generated ones included.
    copyTemplateLabelsToJob(obj, ensureObject(ensureObject(obj, 'spec'), 'template'));
    resetStatusOnCreate(obj);
  },

  prepareForUpdate: keepStatusBumpGeneration,

  validate(obj) {
    return [
      ...validateMetaCreate(obj, metaRules),
      ...validateGeneratedSelector(obj),
      ...validateJobSpec(obj),
      ...validateIndexedHostnames(obj),
    ];
  },

  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validateJobSpec(obj),
      ...validateJobSpecUpdate(obj, old),
      ...validateStatusCounters(obj.status, STATUS_COUNTERS),
    ];
  },

  validateStatusUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateJobStatusUpdate(obj as Obj, old as Obj)];
  },

  selectableFields(obj) {
    return { 'status.successful': String(numberAt(obj.status, 'succeeded') ?? 0) };
  },
});
