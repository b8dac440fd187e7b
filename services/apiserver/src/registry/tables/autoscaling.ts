import type * as v2 from '../../generated/k8s.io.api.autoscaling.v2';
import { ageColumn, ageOf, nameColumn, nameOf } from './common';
import { column, type TableConverter } from './types';

const MAX_SHOWN_METRICS = 3;

function quantityOrUnknown(v: string | undefined): string {
  return v ?? '<unknown>';
}

/** One metric as kubectl shows it: current/target, <unknown> before the controller reports. */
function formatMetric(spec: v2.MetricSpec, current: v2.MetricStatus[]): string {
  const same = (m: v2.MetricStatus): boolean => m.type === spec.type;
  if (spec.type === 'Resource' && spec.resource) {
    const name = spec.resource.name ?? '';
    const cur = current.find((m) => same(m) && m.resource?.name === name)?.resource?.current;
    const t = spec.resource.target;
    if (t?.averageUtilization !== undefined) {
      const c = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
      return `${name}: ${c}/${t.averageUtilization}%`;
    }
    return `${name}: ${quantityOrUnknown(cur?.averageValue)}/${t?.averageValue ?? ''}`;
  }
  if (spec.type === 'Pods' && spec.pods) {
    const cur = current.find((m) => same(m) && m.pods?.metric?.name === spec.pods?.metric?.name)?.pods?.current;
    return `${quantityOrUnknown(cur?.averageValue)}/${spec.pods.target?.averageValue ?? ''}`;
  }
  if (spec.type === 'Object' && spec.object) {
    const cur = current.find((m) => same(m) && m.object?.metric?.name === spec.object?.metric?.name)?.object?.current;
    const t = spec.object.target;
    if (t?.type === 'AverageValue') return `${quantityOrUnknown(cur?.averageValue)}/${t.averageValue ?? ''} (avg)`;
    return `${quantityOrUnknown(cur?.value)}/${t?.value ?? ''}`;
  }
  if (spec.type === 'External' && spec.external) {
    const cur = current.find((m) => same(m) && m.external?.metric?.name === spec.external?.metric?.name)?.external
      ?.current;
    const t = spec.external.target;
    if (t?.type === 'AverageValue') return `${quantityOrUnknown(cur?.averageValue)}/${t.averageValue ?? ''} (avg)`;
    return `${quantityOrUnknown(cur?.value)}/${t?.value ?? ''}`;
  }
  return '<unknown type>';
}

export function formatHpaTargets(hpa: v2.HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const current = hpa.status?.currentMetrics ?? [];
  const shown = specs.slice(0, MAX_SHOWN_METRICS).map((m) => formatMetric(m, current));
  const more = specs.length - MAX_SHOWN_METRICS;
  return more > 0 ? `${shown.join(', ')} + ${more} more...` : shown.join(', ');
}

/** The HPA columns, computed on the autoscaling/v2 form (v1 converts first). */
export function hpaTable(toV2: (obj: object) => v2.HorizontalPodAutoscaler): TableConverter {
  return {
    columns: [
      nameColumn(),
      column(
        'Reference',
        'string',
        'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
      ),
      column('Targets', 'string', 'the current and target values of the metrics the autoscaler scales on.'),
      column(
        'MinPods',
        'string',
        'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
      ),
      column(
        'MaxPods',
        'integer',
        'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.',
      ),
      column(
        'Replicas',
        'integer',
        'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
      ),
      ageColumn(),
    ],
    cells: (obj, now) => {
      const hpa = toV2(obj);
      const ref = hpa.spec?.scaleTargetRef;
      const min = hpa.spec?.minReplicas;
      return [
        nameOf(obj),
        `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
        formatHpaTargets(hpa),
        min !== undefined ? String(min) : '<unset>',
        hpa.spec?.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        ageOf(obj, now),
      ];
    },
  };
}
