import type { FieldError } from '../../api/errors';
import type * as v2 from '../../generated/k8s.io.api.autoscaling.v2';
import { child, forbidden, index, invalid, notSupported, required } from '../validation/field';
import { isDNS1123Label, validatePathSegmentName } from '../validation/names';
import { goQuantity, quantityNanos, validateContainerResourceName } from '../validation/resources';

// HorizontalPodAutoscaler validation as upstream's autoscaling validation (1.32: HPAScaleToZero
// off, HPAContainerMetrics on). Messages and field paths are upstream's.

/** The largest scaling policy period and stabilization window upstream accepts. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

export function validateCrossVersionObjectReference(
  ref: v2.CrossVersionObjectReference | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name'] as const) {
    const v = ref?.[f] ?? '';
    if (v === '') errs.push(required(child(path, f)));
    else for (const msg of validPathSegmentName(v)) errs.push(invalid(child(path, f), v, msg));
  }
  return errs;
}

const validPathSegmentName = (name: string): string[] => validatePathSegmentName(name, false);

const isPositive = (q: string | undefined): boolean => quantityNanos(q) > 0n;

function validateMetricTarget(t: v2.MetricTarget | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = t?.type ?? '';
  if (type === '') errs.push(required(child(path, 'type'), 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(invalid(child(path, 'type'), type, 'must be either Utilization, Value, or AverageValue'));
  }
  if (t?.value !== undefined && !isPositive(t.value)) {
    errs.push(invalid(child(path, 'value'), goQuantity(t.value), 'must be positive'));
  }
  if (t?.averageValue !== undefined && !isPositive(t.averageValue)) {
    errs.push(invalid(child(path, 'averageValue'), goQuantity(t.averageValue), 'must be positive'));
  }
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) {
    errs.push(invalid(child(path, 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateMetricIdentifier(id: v2.MetricIdentifier | undefined, path: string): FieldError[] {
  const name = id?.name ?? '';
  if (name === '') return [required(child(path, 'name'), 'must specify a metric name')];
  return validPathSegmentName(name).map((msg) => invalid(child(path, 'name'), name, msg));
}

function validateObjectSource(src: v2.ObjectMetricSource, path: string): FieldError[] {
  const target = child(path, 'target');
  const errs = [
    ...validateCrossVersionObjectReference(src.describedObject, child(path, 'describedObject')),
    ...validateMetricIdentifier(src.metric, child(path, 'metric')),
    ...validateMetricTarget(src.target, target),
  ];
  if (src.target?.value === undefined && src.target?.averageValue === undefined) {
    errs.push(required(child(target, 'averageValue'), 'must set either a target value or averageValue'));
  }
  return errs;
}

function validateExternalSource(src: v2.ExternalMetricSource, path: string): FieldError[] {
  const target = child(path, 'target');
  const errs = [
    ...validateMetricIdentifier(src.metric, child(path, 'metric')),
    ...validateMetricTarget(src.target, target),
  ];
  const hasValue = src.target?.value !== undefined;
  const hasAverage = src.target?.averageValue !== undefined;
  if (!hasValue && !hasAverage) {
    errs.push(required(child(target, 'averageValue'), 'must set either a target value for metric or a per-pod target'));
  }
  if (hasValue && hasAverage) {
    errs.push(forbidden(child(target, 'value'), 'may not set both a target value for metric and a per-pod target'));
  }
  return errs;
}

function validatePodsSource(src: v2.PodsMetricSource, path: string): FieldError[] {
  const target = child(path, 'target');
  const errs = [
    ...validateMetricIdentifier(src.metric, child(path, 'metric')),
    ...validateMetricTarget(src.target, target),
  ];
  if (src.target?.averageValue === undefined) {
    errs.push(required(child(target, 'averageValue'), 'must specify a positive target averageValue'));
  }
  return errs;
}

function validateUtilizationOrValue(t: v2.MetricTarget | undefined, target: string): FieldError[] {
  const hasUtilization = t?.averageUtilization !== undefined;
  const hasAverage = t?.averageValue !== undefined;
  if (!hasUtilization && !hasAverage) {
    return [
      required(child(target, 'averageUtilization'), 'must set either a target raw value or a target utilization'),
    ];
  }
  if (hasUtilization && hasAverage) {
    return [forbidden(child(target, 'averageValue'), 'may not set both a target raw value and a target utilization')];
  }
  return [];
}

function validateResourceSource(src: v2.ResourceMetricSource, path: string): FieldError[] {
  const target = child(path, 'target');
  const errs: FieldError[] = [];
  if (!src.name) errs.push(required(child(path, 'name'), 'must specify a resource name'));
  errs.push(...validateMetricTarget(src.target, target), ...validateUtilizationOrValue(src.target, target));
  return errs;
}

function validateContainerResourceSource(src: v2.ContainerResourceMetricSource, path: string): FieldError[] {
  const target = child(path, 'target');
  const errs: FieldError[] = [];
  const name = src.name ?? '';
  if (name === '') errs.push(required(child(path, 'name'), 'must specify a resource name'));
  else errs.push(...validateContainerResourceName(name, child(path, 'name')));
  const container = src.container ?? '';
  if (container === '') errs.push(required(child(path, 'container'), 'must specify a container'));
  else for (const msg of isDNS1123Label(container)) errs.push(invalid(child(path, 'container'), container, msg));
  errs.push(...validateMetricTarget(src.target, target), ...validateUtilizationOrValue(src.target, target));
  return errs;
}

/** The metric source member each type names, and how it is checked. */
const SOURCES: ReadonlyArray<{
  type: string;
  member: 'object' | 'external' | 'pods' | 'resource' | 'containerResource';
  check: (src: never, path: string) => FieldError[];
}> = [
  { type: 'Object', member: 'object', check: validateObjectSource },
  { type: 'External', member: 'external', check: validateExternalSource },
  { type: 'Pods', member: 'pods', check: validatePodsSource },
  { type: 'Resource', member: 'resource', check: validateResourceSource },
  { type: 'ContainerResource', member: 'containerResource', check: validateContainerResourceSource },
];

function validateMetricSpec(m: v2.MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = m.type ?? '';
  const typeNotSupported = (): FieldError => notSupported(child(path, 'type'), type, METRIC_SOURCE_TYPES);
  if (type === '') errs.push(required(child(path, 'type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(typeNotSupported());
  // Only the first source present is checked in depth, as upstream.
  const present: string[] = [];
  for (const s of SOURCES) {
    const src = m[s.member];
    if (src === undefined || src === null) continue;
    present.push(s.member);
    if (present.length === 1) errs.push(...s.check(src as never, child(path, s.member)));
  }
  const expected = SOURCES.find((s) => s.type === type);
  if (!expected) errs.push(typeNotSupported());
  else if (!present.includes(expected.member)) {
    errs.push(required(child(path, expected.member), 'must populate information for the given metric source'));
  }
  if (present.length !== 1) {
    for (const member of present.filter((p) => p !== expected?.member).sort()) {
      errs.push(forbidden(child(path, member), 'must populate the given metric source only'));
    }
  }
  return errs;
}

export function validateMetrics(metrics: v2.MetricSpec[] | undefined, minReplicas: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (metrics ?? []).forEach((m, i) => errs.push(...validateMetricSpec(m, index('spec.metrics', i))));
  if (minReplicas === 0 && !(metrics ?? []).some((m) => m.type === 'Object' || m.type === 'External')) {
    errs.push(
      forbidden(
        'spec.metrics',
        'must specify at least one Object or External metric to support scaling to zero replicas',
      ),
    );
  }
  return errs;
}

function validateScalingPolicy(p: v2.HPAScalingPolicy, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = p.type ?? '';
  if (!POLICY_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, POLICY_TYPES));
  const value = p.value ?? 0;
  if (value <= 0) errs.push(invalid(child(path, 'value'), value, 'must be greater than zero'));
  const period = p.periodSeconds ?? 0;
  if (period <= 0) errs.push(invalid(child(path, 'periodSeconds'), period, 'must be greater than zero'));
  if (period > MAX_PERIOD_SECONDS) {
    errs.push(invalid(child(path, 'periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  }
  return errs;
}

function validateScalingRules(rules: v2.HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  const windowPath = child(path, 'stabilizationWindowSeconds');
  if (window !== undefined && window < 0)
    errs.push(invalid(windowPath, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalid(windowPath, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) {
    errs.push(notSupported(child(path, 'selectPolicy'), rules.selectPolicy, SELECT_POLICIES));
  }
  const policiesPath = child(path, 'policies');
  const policies = rules.policies ?? [];
  if (policies.length === 0) errs.push(required(policiesPath, 'must specify at least one Policy'));
  policies.forEach((p, i) => errs.push(...validateScalingPolicy(p, index(policiesPath, i))));
  return errs;
}

export function validateBehavior(behavior: v2.HorizontalPodAutoscalerBehavior | undefined): FieldError[] {
  if (!behavior) return [];
  return [
    ...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'),
    ...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'),
  ];
}

/** The spec rules; minReplicas may be 0 only where an update keeps an HPA that already had 0. */
export function validateHpaSpec(obj: v2.HorizontalPodAutoscaler, minReplicasLowerBound = 1): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const min = spec.minReplicas;
  const max = spec.maxReplicas ?? 0;
  if (min !== undefined && min < minReplicasLowerBound) {
    errs.push(invalid('spec.minReplicas', min, `must be greater than or equal to ${minReplicasLowerBound}`));
  }
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) {
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  errs.push(...validateMetrics(spec.metrics, min));
  errs.push(...validateBehavior(spec.behavior));
  return errs;
}
