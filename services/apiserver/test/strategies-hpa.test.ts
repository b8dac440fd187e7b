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
  [
    // upstream checks the scale-to-zero metric rule even when 0 itself is refused
    'minReplicas 0',
    (o) => (o.spec = { ...o.spec, minReplicas: 0 }),
    ['FieldValueInvalid spec.minReplicas', 'FieldValueForbidden spec.metrics'],
  ],
  [
    'maxReplicas 0',
    (o) => (o.spec = { ...o.spec, maxReplicas: 0 }),
    ['FieldValueInvalid spec.maxReplicas', 'FieldValueInvalid spec.maxReplicas'],
  ],
  ['max below min', (o) => (o.spec = { ...o.spec, minReplicas: 6 }), ['FieldValueInvalid spec.maxReplicas']],
  [
    // upstream reports the unsupported type twice: once in the type check, once in its switch
    'metric without type',
    (o) => (o.spec = { ...o.spec, metrics: [{}] }),
    [
      'FieldValueRequired spec.metrics[0].type',
      'FieldValueNotSupported spec.metrics[0].type',
      'FieldValueNotSupported spec.metrics[0].type',
    ],
  ],
  [
    'pods metric without averageValue',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'Value', value: '0' } } }],
      }),
    [
      'FieldValueInvalid spec.metrics[0].pods.target.value',
      'FieldValueRequired spec.metrics[0].pods.target.averageValue',
    ],
  ],
  [
    'object metric: target reference, metric name and value',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [
          { type: 'Object', object: { describedObject: { kind: 'Ingress' }, metric: {}, target: { type: 'Value' } } },
        ],
      }),
    [
      'FieldValueRequired spec.metrics[0].object.describedObject.name',
      'FieldValueRequired spec.metrics[0].object.metric.name',
      'FieldValueRequired spec.metrics[0].object.target.averageValue',
    ],
  ],
  [
    'external metric with both value and averageValue',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [
          {
            type: 'External',
            external: { metric: { name: 'queue/depth' }, target: { type: 'Value', value: '5', averageValue: '-1' } },
          },
        ],
      }),
    [
      'FieldValueInvalid spec.metrics[0].external.metric.name',
      'FieldValueInvalid spec.metrics[0].external.target.averageValue',
      'FieldValueForbidden spec.metrics[0].external.target.value',
    ],
  ],
  [
    'two sources in one metric',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } },
          },
        ],
      }),
    ['FieldValueForbidden spec.metrics[0].pods'],
  ],
  [
    'container resource: name and container',
    (o) =>
      (o.spec = {
        ...o.spec,
        metrics: [
          {
            type: 'ContainerResource',
            containerResource: { name: 'gpu', container: 'Web', target: { type: 'Bogus', averageUtilization: 0 } },
          },
        ],
      }),
    [
      // not a standard resource, and not one for containers: upstream says both
      'FieldValueInvalid spec.metrics[0].containerResource.name',
      'FieldValueInvalid spec.metrics[0].containerResource.name',
      'FieldValueInvalid spec.metrics[0].containerResource.container',
      'FieldValueInvalid spec.metrics[0].containerResource.target.type',
      'FieldValueInvalid spec.metrics[0].containerResource.target.averageUtilization',
    ],
  ],
  [
    'behavior limits',
    (o) =>
      (o.spec = {
        ...o.spec,
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 3601, selectPolicy: 'Fastest', policies: [] },
          scaleDown: { policies: [{ type: 'Replicas', value: 0, periodSeconds: 1801 }] },
        },
      }),
    [
      'FieldValueInvalid spec.behavior.scaleUp.stabilizationWindowSeconds',
      'FieldValueNotSupported spec.behavior.scaleUp.selectPolicy',
      'FieldValueRequired spec.behavior.scaleUp.policies',
      'FieldValueNotSupported spec.behavior.scaleDown.policies[0].type',
      'FieldValueInvalid spec.behavior.scaleDown.policies[0].value',
      'FieldValueInvalid spec.behavior.scaleDown.policies[0].periodSeconds',
    ],
  ],
  [
    'target reference is a path segment, not a DNS name',
    (o) => (o.spec = { ...o.spec, scaleTargetRef: { kind: 'Deploy/ment', name: 'Web_1' } }),
    ['FieldValueInvalid spec.scaleTargetRef.kind'],
  ],
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

test("v2 validation messages are upstream's", () => {
  const obj = hpa();
  obj.spec = {
    ...obj.spec,
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: -1,
        selectPolicy: 'Fastest',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }],
      },
    },
  };
  assert.deepEqual(
    hpaRules.validate(obj).map((e) => `${e.field}: ${e.message}`),
    [
      'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero',
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"',
    ],
  );
});

test('v2 update: an HPA already at minReplicas 0 may keep it', () => {
  const old = hpa();
  old.spec = {
    ...old.spec,
    minReplicas: 0,
    metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' } } }],
  };
  const next = hpa();
  next.spec = { ...old.spec, maxReplicas: 7 };
  assert.deepEqual(hpaRules.validateUpdate(next, old), []);
  const fresh = hpa();
  fresh.spec = { ...next.spec };
  assert.deepEqual(summary(hpaRules.validate(fresh)), ['FieldValueInvalid spec.minReplicas']);
});

test('a defaulted HPA is valid', () => {
  const obj = hpa();
  hpaRules.applyDefaults?.(obj);
  assert.deepEqual(hpaRules.validate(obj), []);
});
