import type { FieldError } from '../../api/errors';
import type { Deployment } from '../../generated/k8s.io.api.apps.v1';
import {
  FIELD_IMMUTABLE,
  GoValue,
  child,
  forbidden,
  goQuote,
  goStringMap,
  invalid,
  notSupported,
  required,
  validateNonnegative,
} from '../validation/field';
import {
  asLabelSelector,
  goLabelSelector,
  isConvertibleSelector,
  isEmptySelector,
  selectorMatches,
  validateLabelSelector,
} from '../validation/labelselector';
import { semanticEqual } from '../validation/objectmeta';
import { isValidPercent, nameIsDNSSubdomain } from '../validation/names';
import {
  deepClone,
  ensureObject,
  forStore,
  metaOf,
  nextGeneration,
  numberAt,
  objectAt,
  stringAt,
  stringMapAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import { validatePodTemplateSpec } from './podtemplate-validation';

const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
const DEFAULT_MAX_UNAVAILABLE = '25%';
const DEFAULT_MAX_SURGE = '25%';
const STRATEGY_TYPES = ['Recreate', 'RollingUpdate'];

/** SetDefaults_Deployment followed by the pod template defaults, in upstream's order. */
export function applyDeploymentDefaults(obj: Deployment): void {
  const spec = ensureObject(obj, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  const strategy = ensureObject(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    if (rollingUpdate.maxUnavailable === undefined || rollingUpdate.maxUnavailable === null) {
      rollingUpdate.maxUnavailable = DEFAULT_MAX_UNAVAILABLE;
    }
    if (rollingUpdate.maxSurge === undefined || rollingUpdate.maxSurge === null) {
      rollingUpdate.maxSurge = DEFAULT_MAX_SURGE;
    }
  }
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = DEFAULT_REVISION_HISTORY_LIMIT;
  if (typeof spec.progressDeadlineSeconds !== 'number') {
    spec.progressDeadlineSeconds = DEFAULT_PROGRESS_DEADLINE_SECONDS;
  }
  defaultPodTemplateSpec(ensureObject(spec, 'template'));
}

type IntOrString = number | string | undefined;

function intOrStringAt(obj: Obj | undefined, key: string): IntOrString {
  const v = obj?.[key];
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** How Go prints an intstr.IntOrString value with %#v. */
function goIntOrString(v: IntOrString): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`);
}

function validatePositiveIntOrPercent(v: IntOrString, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((msg) => invalid(path, goIntOrString(v), msg));
  return validateNonnegative(v, path);
}

/** The numeric part of an IntOrString; a malformed percentage counts as 0, as upstream. */
function intOrPercentValue(v: IntOrString): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

function validateRollingUpdate(rollingUpdate: Obj, path: string): FieldError[] {
  const maxUnavailable = intOrStringAt(rollingUpdate, 'maxUnavailable');
  const maxSurge = intOrStringAt(rollingUpdate, 'maxSurge');
  const errs = [
    ...validatePositiveIntOrPercent(maxUnavailable, child(path, 'maxUnavailable')),
    ...validatePositiveIntOrPercent(maxSurge, child(path, 'maxSurge')),
  ];
  if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
    errs.push(
      invalid(child(path, 'maxUnavailable'), goIntOrString(maxUnavailable), 'may not be 0 when `maxSurge` is 0'),
    );
  }
  if (
    typeof maxUnavailable === 'string' &&
    /^[0-9]+%$/.test(maxUnavailable) &&
    intOrPercentValue(maxUnavailable) > 100
  ) {
    errs.push(invalid(child(path, 'maxUnavailable'), goIntOrString(maxUnavailable), 'must not be greater than 100%'));
  }
  return errs;
}

function validateDeploymentStrategy(strategy: Obj | undefined, path: string): FieldError[] {
  const type = stringAt(strategy, 'type');
  const rollingUpdate = objectAt(strategy, 'rollingUpdate');
  switch (type) {
    case 'Recreate':
      return rollingUpdate
        ? [forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case 'RollingUpdate':
      return rollingUpdate
        ? validateRollingUpdate(rollingUpdate, child(path, 'rollingUpdate'))
        : [required(child(path, 'rollingUpdate'), 'this should be defaulted and never be nil')];
    default:
      return [notSupported(path, type, STRATEGY_TYPES)];
  }
}

function validateTemplateForReplicas(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rawSelector = spec.selector;
  const selector = asLabelSelector(rawSelector);
  if (rawSelector !== undefined && rawSelector !== null && selector && !isConvertibleSelector(selector)) {
    return [invalid(child(path, 'selector'), goLabelSelector(selector), 'invalid label selector')];
  }
  const template = objectAt(spec, 'template');
  const templatePath = child(path, 'template');
  if (!template) return [required(templatePath)];
  const labels = stringMapAt(objectAt(template, 'metadata'), 'labels');
  // A missing selector selects nothing, so it never matches the template either.
  const matchesEverything = selector !== undefined && isEmptySelector(selector);
  if (!matchesEverything && !(selector && selectorMatches(selector, labels))) {
    errs.push(
      invalid(
        child(child(templatePath, 'metadata'), 'labels'),
        goStringMap(labels),
        '`selector` does not match template `labels`',
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(template, templatePath));
  const podSpec = objectAt(template, 'spec');
  const restartPolicy = stringAt(podSpec, 'restartPolicy');
  if (restartPolicy !== 'Always') {
    errs.push(notSupported(child(templatePath, 'spec.restartPolicy'), restartPolicy, ['Always']));
  }
  const activeDeadline = numberAt(podSpec, 'activeDeadlineSeconds');
  if (activeDeadline !== undefined) {
    errs.push(
      invalid(
        child(templatePath, 'spec.activeDeadlineSeconds'),
        activeDeadline,
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errs;
}

export function validateDeploymentSpec(obj: Deployment): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const path = 'spec';
  const errs: FieldError[] = [...validateNonnegative(numberAt(spec, 'replicas'), child(path, 'replicas'))];
  const selector = asLabelSelector(spec.selector);
  if (!selector) {
    errs.push(required(child(path, 'selector')));
  } else {
    errs.push(...validateLabelSelector(selector, child(path, 'selector')));
    if (isEmptySelector(selector)) {
      errs.push(
        invalid(child(path, 'selector'), goLabelSelector(selector), 'empty selector is invalid for deployment'),
      );
    }
  }
  errs.push(...validateTemplateForReplicas(spec, path));
  errs.push(...validateDeploymentStrategy(objectAt(spec, 'strategy'), child(path, 'strategy')));
  const minReadySeconds = numberAt(spec, 'minReadySeconds') ?? 0;
  errs.push(...validateNonnegative(minReadySeconds, child(path, 'minReadySeconds')));
  errs.push(...validateNonnegative(numberAt(spec, 'revisionHistoryLimit'), child(path, 'revisionHistoryLimit')));
  const progressDeadline = numberAt(spec, 'progressDeadlineSeconds');
  if (progressDeadline !== undefined) {
    errs.push(...validateNonnegative(progressDeadline, child(path, 'progressDeadlineSeconds')));
    if (progressDeadline <= minReadySeconds) {
      errs.push(
        invalid(child(path, 'progressDeadlineSeconds'), progressDeadline, 'must be greater than minReadySeconds'),
      );
    }
  }
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const deploymentStrategy: KindStrategy = forStore<Deployment>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],

  applyDefaults: applyDeploymentDefaults,

  prepareForCreate(obj) {
    // Go prints the zero DeploymentStatus as `status: {}`.
    obj.status = {};
    metaOf(obj).generation = 1;
  },

  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status) ?? {};
    // Annotations count too: the controller copies them onto the ReplicaSets.
    const changed =
      !semanticEqual(obj.spec, old.spec) || !semanticEqual(metaOf(obj).annotations, metaOf(old).annotations);
    nextGeneration(obj, old, changed);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateDeploymentSpec(obj)];
  },

  validateUpdate(obj, old) {
    const oldSelector = asLabelSelector(objectAt(old, 'spec')?.selector);
    const newSelector = asLabelSelector(objectAt(obj, 'spec')?.selector);
    const errs = [...validateMetaUpdate(obj, old), ...validateDeploymentSpec(obj)];
    if (!semanticEqual(newSelector, oldSelector)) {
      errs.push(invalid('spec.selector', goLabelSelector(newSelector), FIELD_IMMUTABLE));
    }
    return errs;
  },
});
