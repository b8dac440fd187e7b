// Conversion between autoscaling/v2 (the storage version of HorizontalPodAutoscalers)
// and autoscaling/v1. v1 only has a CPU utilization target, so everything else rides in
// annotations, as upstream does, which makes v2 -> v1 -> v2 lossless.
import type * as v1 from '../../generated/k8s.io.api.autoscaling.v1';
import type * as v2 from '../../generated/k8s.io.api.autoscaling.v2';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

const ROUND_TRIP_ANNOTATIONS = [
  METRICS_ANNOTATION,
  CURRENT_METRICS_ANNOTATION,
  CONDITIONS_ANNOTATION,
  BEHAVIOR_ANNOTATION,
];

type Json = Record<string, unknown>;

/** A v2 metric that v1's targetCPUUtilizationPercentage expresses exactly. */
function isCpuUtilization(metric: v2.MetricSpec): boolean {
  return (
    metric.type === 'Resource' &&
    metric.resource?.name === 'cpu' &&
    metric.resource.target?.type === 'Utilization' &&
    metric.resource.target.averageUtilization !== undefined
  );
}

/** Drops undefined members so the annotations' JSON matches what upstream would write. */
function compact(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** A v2 metric source's values, whether a spec's MetricTarget or a status's MetricValueStatus. */
interface MetricValues {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

interface MetricSource {
  type?: string;
  resource?: { name?: string };
  containerResource?: { name?: string; container?: string };
  pods?: { metric?: v2.MetricIdentifier };
  object?: { describedObject?: v2.CrossVersionObjectReference; metric?: v2.MetricIdentifier };
  external?: { metric?: v2.MetricIdentifier };
}

/**
 * v1's annotation metrics use the older flat fields, named `target…` in a spec and `current…` in a
 * status (targetAverageUtilization, currentValue, ...); v2 groups them in a MetricTarget or
 * MetricValueStatus, which `values` picks from each source.
 */
function metricToV1(
  m: MetricSource,
  prefix: 'target' | 'current',
  values: (source: keyof Omit<MetricSource, 'type'>) => MetricValues | undefined,
): Json {
  const out: Json = { type: m.type };
  const named = (v: MetricValues | undefined): Json => ({
    [`${prefix}AverageUtilization`]: v?.averageUtilization,
    [`${prefix}AverageValue`]: v?.averageValue,
  });
  if (m.resource) out['resource'] = compact({ name: m.resource.name, ...named(values('resource')) });
  if (m.containerResource)
    out['containerResource'] = compact({
      name: m.containerResource.name,
      container: m.containerResource.container,
      ...named(values('containerResource')),
    });
  if (m.pods)
    out['pods'] = compact({
      metricName: m.pods.metric?.name,
      [`${prefix}AverageValue`]: values('pods')?.averageValue,
      selector: m.pods.metric?.selector,
    });
  if (m.object)
    out['object'] = compact({
      target: m.object.describedObject,
      metricName: m.object.metric?.name,
      [`${prefix}Value`]: values('object')?.value,
      selector: m.object.metric?.selector,
      averageValue: values('object')?.averageValue,
    });
  if (m.external)
    out['external'] = compact({
      metricName: m.external.metric?.name,
      metricSelector: m.external.metric?.selector,
      [`${prefix}Value`]: values('external')?.value,
      [`${prefix}AverageValue`]: values('external')?.averageValue,
    });
  return out;
}

function metricSpecToV1(m: v2.MetricSpec): Json {
  return metricToV1(m, 'target', (source) => m[source]?.target);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** The v2 MetricTarget a flat v1 target denotes; its type follows which field is set. */
function target(utilization: unknown, averageValue: unknown, value?: unknown): v2.MetricTarget {
  if (num(utilization) !== undefined) return { type: 'Utilization', averageUtilization: num(utilization) };
  if (str(averageValue) !== undefined) return { type: 'AverageValue', averageValue: str(averageValue) };
  return { type: 'Value', value: str(value) };
}

function metricSpecFromV1(m: Json): v2.MetricSpec {
  const out: v2.MetricSpec = { type: str(m['type']) };
  const r = obj(m['resource']);
  if (r)
    out.resource = { name: str(r['name']), target: target(r['targetAverageUtilization'], r['targetAverageValue']) };
  const c = obj(m['containerResource']);
  if (c)
    out.containerResource = {
      name: str(c['name']),
      container: str(c['container']),
      target: target(c['targetAverageUtilization'], c['targetAverageValue']),
    };
  const p = obj(m['pods']);
  if (p)
    out.pods = {
      metric: compact({ name: p['metricName'], selector: p['selector'] }) as v2.MetricIdentifier,
      target: { type: 'AverageValue', averageValue: str(p['targetAverageValue']) },
    };
  const o = obj(m['object']);
  if (o)
    out.object = {
      describedObject: obj(o['target']) as v2.CrossVersionObjectReference | undefined,
      metric: compact({ name: o['metricName'], selector: o['selector'] }) as v2.MetricIdentifier,
      target: target(undefined, o['averageValue'], o['targetValue']),
    };
  const e = obj(m['external']);
  if (e)
    out.external = {
      metric: compact({ name: e['metricName'], selector: e['metricSelector'] }) as v2.MetricIdentifier,
      target: target(undefined, e['targetAverageValue'], e['targetValue']),
    };
  return out;
}

function metricStatusToV1(m: v2.MetricStatus): Json {
  return metricToV1(m, 'current', (source) => m[source]?.current);
}

function current(utilization: unknown, averageValue: unknown, value?: unknown): v2.MetricValueStatus {
  return compact({
    averageUtilization: num(utilization),
    averageValue: str(averageValue),
    value: str(value),
  }) as v2.MetricValueStatus;
}

function metricStatusFromV1(m: Json): v2.MetricStatus {
  const out: v2.MetricStatus = { type: str(m['type']) };
  const r = obj(m['resource']);
  if (r)
    out.resource = {
      name: str(r['name']),
      current: current(r['currentAverageUtilization'], r['currentAverageValue']),
    };
  const c = obj(m['containerResource']);
  if (c)
    out.containerResource = {
      name: str(c['name']),
      container: str(c['container']),
      current: current(c['currentAverageUtilization'], c['currentAverageValue']),
    };
  const p = obj(m['pods']);
  if (p)
    out.pods = {
      metric: compact({ name: p['metricName'], selector: p['selector'] }) as v2.MetricIdentifier,
      current: current(undefined, p['currentAverageValue']),
    };
  const o = obj(m['object']);
  if (o)
    out.object = {
      describedObject: obj(o['target']) as v2.CrossVersionObjectReference | undefined,
      metric: compact({ name: o['metricName'], selector: o['selector'] }) as v2.MetricIdentifier,
      current: current(undefined, o['averageValue'], o['currentValue']),
    };
  const e = obj(m['external']);
  if (e)
    out.external = {
      metric: compact({ name: e['metricName'], selector: e['metricSelector'] }) as v2.MetricIdentifier,
      current: current(undefined, e['currentAverageValue'], e['currentValue']),
    };
  return out;
}

function parseArray(text: string | undefined): Json[] {
  if (text === undefined) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((x): x is Json => obj(x) !== undefined) : [];
}

/** autoscaling/v2 (stored) -> autoscaling/v1 (served). */
export function hpaV2ToV1(hpa: v2.HorizontalPodAutoscaler): v1.HorizontalPodAutoscaler {
  const spec = hpa.spec ?? {};
  const status = hpa.status;
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) };
  for (const key of ROUND_TRIP_ANNOTATIONS) delete annotations[key];

  const metrics = spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length > 0) annotations[METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const currentMetrics = status?.currentMetrics ?? [];
  // All current metrics are saved, the CPU one too, so its raw value survives as well.
  if (currentMetrics.length > 0)
    annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if ((status?.conditions ?? []).length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status?.conditions);

  const cpuStatus = currentMetrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const metadata = { ...(hpa.metadata ?? {}) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  const out: v1.HorizontalPodAutoscaler = {
    ...hpa,
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization,
    }) as v1.HorizontalPodAutoscalerSpec,
  };
  if (status)
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      // v1 always prints both counts; v2 omits a zero currentReplicas.
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuStatus?.resource?.current?.averageUtilization,
    }) as v1.HorizontalPodAutoscalerStatus;
  else delete out.status;
  return out;
}

/** autoscaling/v1 (served) -> autoscaling/v2 (stored); the round-trip annotations are consumed. */
export function hpaV1ToV2(hpa: v1.HorizontalPodAutoscaler): v2.HorizontalPodAutoscaler {
  const spec = hpa.spec ?? {};
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) };
  const metrics: v2.MetricSpec[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined)
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  metrics.push(...parseArray(annotations[METRICS_ANNOTATION]).map(metricSpecFromV1));
  const behaviorText = annotations[BEHAVIOR_ANNOTATION];
  const behavior =
    behaviorText !== undefined ? (JSON.parse(behaviorText) as v2.HorizontalPodAutoscalerBehavior) : undefined;

  const status = hpa.status;
  let currentMetrics: v2.MetricStatus[] = parseArray(annotations[CURRENT_METRICS_ANNOTATION]).map(metricStatusFromV1);
  // Without the annotation only the CPU utilization is known.
  if (annotations[CURRENT_METRICS_ANNOTATION] === undefined && status?.currentCPUUtilizationPercentage !== undefined)
    currentMetrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } },
      },
    ];
  const conditions = parseArray(annotations[CONDITIONS_ANNOTATION]) as v2.HorizontalPodAutoscalerCondition[];

  for (const key of ROUND_TRIP_ANNOTATIONS) delete annotations[key];
  const metadata = { ...(hpa.metadata ?? {}) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  const out: v2.HorizontalPodAutoscaler = {
    ...hpa,
    apiVersion: 'autoscaling/v2',
    metadata,
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: metrics.length > 0 ? metrics : undefined,
      behavior,
    }) as v2.HorizontalPodAutoscalerSpec,
  };
  if (status)
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas || undefined,
      desiredReplicas: status.desiredReplicas,
      currentMetrics: currentMetrics.length > 0 ? currentMetrics : undefined,
      conditions: conditions.length > 0 ? conditions : undefined,
    }) as v2.HorizontalPodAutoscalerStatus;
  else delete out.status;
  return out;
}
