import type * as v2 from '../../generated/k8s.io.api.autoscaling.v2';
import { nameIsDNSSubdomain } from '../validation/names';
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
import { validateHpaSpec } from './hpa-validation';

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
    // An HPA stored with minReplicas 0 (scale to zero enabled once) may keep it.
    const bound = old.spec?.minReplicas === 0 ? 0 : 1;
    return [...validateMetaUpdate(obj, old), ...validateHpaSpec(obj, bound)];
  },
};

export const hpaStrategy: KindStrategy = forStore(hpaRules);
