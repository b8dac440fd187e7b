import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type * as v1 from '../src/generated/k8s.io.api.autoscaling.v1';
import type * as v2 from '../src/generated/k8s.io.api.autoscaling.v2';
import { hpaV1Typed } from '../src/registry/kinds/autoscaling/hpa-conversion';
import { hpaRules } from '../src/registry/strategies/hpa';
import { viaStoredVersion } from '../src/registry/strategies/via-stored-version';

function hpa(): v2.HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
  };
}

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

test('v2 defaults: minReplicas 1 and a CPU 80% target; no behavior stays none', () => {
  const obj = hpa();
  hpaRules.applyDefaults?.(obj);
  assert.deepEqual(obj.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
});

test('v2 defaults complete a given behavior in both directions', () => {
  const obj = hpa();
  obj.spec = { ...obj.spec, behavior: { scaleUp: { stabilizationWindowSeconds: 30 } } };
  hpaRules.applyDefaults?.(obj);
  assert.deepEqual(obj.spec?.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 30,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  });
});

test('v1 defaults through v2: targetCPUUtilizationPercentage 80, minReplicas 1', () => {
  const strategy = viaStoredVersion(hpaRules, hpaV1Typed);
  const obj: v1.HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 },
  };
  const meta = obj.metadata;
  strategy.applyDefaults?.(obj);
  assert.deepEqual(obj.spec, {
    scaleTargetRef: { kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 3,
    targetCPUUtilizationPercentage: 80,
  });
  assert.equal(obj.metadata, meta, 'metadata keeps its identity');
});

const bad: [string, (o: v2.HorizontalPodAutoscaler) => void, string[]][] = [
  [
    'no target kind',
    (o) => (o.spec = { ...o.spec, scaleTargetRef: { name: 'web' } }),
    ['FieldValueRequired spec.scaleTargetRef.kind'],
  ],
  [
    'no target name',
    (o) => (o.spec = { ...o.spec, scaleTargetRef: { kind: 'Deployment' } }),
    ['FieldValueRequired spec.scaleTargetRef.name'],
  ],
  ['minReplicas 0', (o) => (o.spec = { ...o.spec, minReplicas: 0 }), ['FieldValueInvalid spec.minReplicas']],
  [
    'maxReplicas 0',
    (o) => (o.spec = { ...o.spec, maxReplicas: 0 }),
    ['FieldValueInvalid spec.maxReplicas', 'FieldValueInvalid spec.maxReplicas'],
  ],
  ['max below min', (o) => (o.spec = { ...o.spec, minReplicas: 6 }), ['FieldValueInvalid spec.maxReplicas']],
  ['metric without type', (o) => (o.spec = { ...o.spec, metrics: [{}] }), ['FieldValueRequired spec.metrics[0].type']],
  [
    'resource metric without name',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [{ type: 'Resource', resource: { target: { type: 'Utilization', averageUtilization: 50 } } }],
      }),
    ['FieldValueRequired spec.metrics[0].resource.name'],
  ],
];

for (const [name, mutate, want] of bad) {
  test(`v2 validation: ${name}`, () => {
    const obj = hpa();
    hpaRules.applyDefaults?.(obj);
    mutate(obj);
    assert.deepEqual(summary(hpaRules.validate(obj)), want);
  });
}

test('a defaulted HPA is valid', () => {
  const obj = hpa();
  hpaRules.applyDefaults?.(obj);
  assert.deepEqual(hpaRules.validate(obj), []);
});
