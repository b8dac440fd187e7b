import type { FieldError } from '../../api/errors';
import type * as v2 from '../../generated/k8s.io.api.autoscaling.v2';
import { child, index, invalid, required } from '../validation/field';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  forStore,
  metaOf,
  nextGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';

/** The CPU utilization an HPA without metrics targets (upstream's DefaultCPUUtilization). */
export const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpDefaults(): v2.HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): v2.HPAScalingRules {
  return {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/** A given rule keeps what it sets; each missing part comes from the direction's defaults. */
function fillRules(rules: v2.HPAScalingRules | undefined, defaults: v2.HPAScalingRules): v2.HPAScalingRules {
  if (!rules) return defaults;
  return {
    ...rules,
    stabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules.selectPolicy ?? defaults.selectPolicy,
    policies: rules.policies ?? defaults.policies,
  };
}

/** autoscaling/v2 SetDefaults: minReplicas 1, a CPU target when no metric is given, and behavior's gaps. */
export function applyHpaDefaults(obj: v2.HorizontalPodAutoscaler): void {
  const spec = (obj.spec ??= {});
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
      },
    ];
  }
  // Only a behavior the client gave is completed; none stays none.
  if (spec.behavior) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'ContainerResource', 'External'];

function validateMetric(m: v2.MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = m.type ?? '';
  if (type === '') return [required(child(path, 'type'), 'must specify a metric source type')];
  if (!METRIC_TYPES.includes(type)) {
    return [invalid(child(path, 'type'), type, `must be one of ${METRIC_TYPES.join(', ')}`)];
  }
  if (type === 'Resource') {
    const r = m.resource;
    const rp = child(path, 'resource');
    if (!r) return [required(rp, 'must populate information for the given metric source')];
    if (!r.name) errs.push(required(child(rp, 'name'), 'must specify a resource name'));
    const t = r.target;
    if (!t?.type) errs.push(required(child(child(rp, 'target'), 'type'), 'must specify a metric target type'));
    if (t?.averageUtilization !== undefined && t.averageUtilization < 1) {
      errs.push(
        invalid(child(child(rp, 'target'), 'averageUtilization'), t.averageUtilization, 'must be greater than 0'),
      );
    }
  }
  return errs;
}

export function validateHpaSpec(obj: v2.HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const ref = spec.scaleTargetRef ?? {};
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else for (const msg of isDNS1123Subdomain(ref.name)) errs.push(invalid('spec.scaleTargetRef.name', ref.name, msg));
  const min = spec.minReplicas;
  const max = spec.maxReplicas ?? 0;
  if (min !== undefined && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) {
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  (spec.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m, index('spec.metrics', i))));
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const hpaRules: KindStrategy<v2.HorizontalPodAutoscaler> = {
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyHpaDefaults,
  prepareForCreate(obj) {
    // Go prints the zero v2 status with its one non-omitempty field.
    obj.status = { desiredReplicas: 0 };
    metaOf(obj).generation = 1;
  },
  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status) ?? { desiredReplicas: 0 };
    nextGeneration(obj, old, !semanticEqual(obj.spec, old.spec));
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateHpaSpec(obj)];
  },
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateHpaSpec(obj)];
  },
};

export const hpaStrategy: KindStrategy = forStore(hpaRules);
