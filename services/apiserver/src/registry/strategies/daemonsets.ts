import type { FieldError } from '../../api/errors';
import type { DaemonSet } from '../../generated/k8s.io.api.apps.v1';
import {
  FIELD_IMMUTABLE,
  GoValue,
  child,
  goQuote,
  invalid,
  notSupported,
  required,
  validateNonnegative,
} from '../validation/field';
import { asLabelSelector, goLabelSelector, isEmptySelector, validateLabelSelector } from '../validation/labelselector';
import { isValidPercent, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
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
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import {
  keepStatusBumpGeneration,
  resetStatusOnCreate,
  validateControllerTemplate,
  validateSelectorMatchesTemplate,
  validateStatusCounters,
} from './workload-common';

/**
 * apps/v1 has no spec.templateGeneration: upstream carries the internal field
 * in this annotation, which the server alone sets (1 at creation, +1 whenever
 * the template changes).
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const UPDATE_STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'];

/** SetDefaults_DaemonSet, then the pod template's defaults. */
export function applyDaemonSetDefaults(obj: DaemonSet): void {
  const spec = ensureObject(obj, 'spec');
  const updateStrategy = ensureObject(spec, 'updateStrategy');
  if (!updateStrategy.type) updateStrategy.type = 'RollingUpdate';
  if (updateStrategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(updateStrategy, 'rollingUpdate');
    if (rollingUpdate.maxUnavailable === undefined || rollingUpdate.maxUnavailable === null) {
      rollingUpdate.maxUnavailable = 1;
    }
    if (rollingUpdate.maxSurge === undefined || rollingUpdate.maxSurge === null) rollingUpdate.maxSurge = 0;
  }
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = DEFAULT_REVISION_HISTORY_LIMIT;
  defaultPodTemplateSpec(ensureObject(spec, 'template'));
}

type IntOrString = number | string | undefined;

function intOrStringAt(obj: Obj | undefined, key: string): IntOrString {
  const v = obj?.[key];
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

function goIntOrString(v: IntOrString): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`);
}

function percentValue(v: IntOrString): number | undefined {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) ? Number.parseInt(v, 10) : undefined;
}

function validateIntOrPercent(v: IntOrString, path: string): FieldError[] {
  if (typeof v === 'string') {
    const errs = isValidPercent(v).map((msg) => invalid(path, goIntOrString(v), msg));
    const pct = percentValue(v);
    if (pct !== undefined && pct > 100) errs.push(invalid(path, goIntOrString(v), 'must not be greater than 100%'));
    return errs;
  }
  return validateNonnegative(v, path);
}

function isZero(v: IntOrString): boolean {
  return v === undefined || v === 0 || percentValue(v) === 0;
}

function validateUpdateStrategy(strategy: Obj | undefined): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = stringAt(strategy, 'type');
  if (type === 'OnDelete') return [];
  if (type !== 'RollingUpdate') return [notSupported(child(path, 'type'), type, UPDATE_STRATEGY_TYPES)];
  const rollingUpdate = objectAt(strategy, 'rollingUpdate');
  const rollingPath = child(path, 'rollingUpdate');
  if (!rollingUpdate) return [required(rollingPath)];
  const maxUnavailable = intOrStringAt(rollingUpdate, 'maxUnavailable');
  const maxSurge = intOrStringAt(rollingUpdate, 'maxSurge');
  const errs = [
    ...validateIntOrPercent(maxUnavailable, child(rollingPath, 'maxUnavailable')),
    ...validateIntOrPercent(maxSurge, child(rollingPath, 'maxSurge')),
  ];
  if (isZero(maxUnavailable) && isZero(maxSurge)) {
    errs.push(
      invalid(child(rollingPath, 'maxUnavailable'), goIntOrString(maxUnavailable), 'may not be 0 when `maxSurge` is 0'),
    );
  }
  return errs;
}

function validateDaemonSetSpec(obj: DaemonSet): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const selector = asLabelSelector(spec.selector);
  const errs = validateLabelSelector(selector, 'spec.selector');
  const template = objectAt(spec, 'template');
  if (template) errs.push(...validateSelectorMatchesTemplate(selector, template, 'spec.template'));
  if (!selector) errs.push(required('spec.selector'));
  else if (isEmptySelector(selector)) {
    errs.push(invalid('spec.selector', goLabelSelector(selector), 'empty selector is invalid for daemonset'));
  }
  errs.push(
    ...validateControllerTemplate(template, 'spec.template', {
      restartPolicies: ['Always'],
      noActiveDeadlineFor: 'DaemonSet',
    }),
  );
  errs.push(...validateNonnegative(numberAt(spec, 'minReadySeconds'), 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(objectAt(spec, 'updateStrategy')));
  errs.push(...validateNonnegative(numberAt(spec, 'revisionHistoryLimit'), 'spec.revisionHistoryLimit'));
  return errs;
}

const STATUS_COUNTERS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
];

function templateGenerationOf(obj: DaemonSet): number {
  const v = Number.parseInt(metaOf(obj).annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '', 10);
  return Number.isFinite(v) ? v : 0;
}

function setTemplateGeneration(obj: DaemonSet, generation: number): void {
  const meta = metaOf(obj);
  meta.annotations = { ...(meta.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const daemonSetStrategy: KindStrategy = forStore<DaemonSet>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyDaemonSetDefaults,

  prepareForCreate(obj) {
    resetStatusOnCreate(obj);
    setTemplateGeneration(obj, 1);
  },

  prepareForUpdate(obj, old) {
    keepStatusBumpGeneration(obj, old);
    const changed = !semanticEqual(objectAt(obj.spec, 'template'), objectAt(old.spec, 'template'));
    setTemplateGeneration(obj, templateGenerationOf(old) + (changed ? 1 : 0));
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateDaemonSetSpec(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [
      ...validateMetaUpdate(obj, old),
      ...validateDaemonSetSpec(obj),
      ...validateStatusCounters(obj.status, STATUS_COUNTERS),
    ];
    const selector = asLabelSelector(objectAt(obj, 'spec')?.selector);
    if (!semanticEqual(selector, asLabelSelector(objectAt(old, 'spec')?.selector))) {
      errs.push(invalid('spec.selector', goLabelSelector(selector), FIELD_IMMUTABLE));
    }
    return errs;
  },
});
