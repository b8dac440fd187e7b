import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as v2 from '../src/generated/k8s.io.api.autoscaling.v2';
import {
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  CURRENT_METRICS_ANNOTATION,
  METRICS_ANNOTATION,
  hpaV1ToV2,
  hpaV2ToV1,
} from '../src/registry/conversion/hpa-v1';

function richV2(): v2.HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        {
          type: 'Pods',
          pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } },
        },
        {
          type: 'Object',
          object: {
            describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
            metric: { name: 'requests' },
            target: { type: 'Value', value: '2k' },
          },
        },
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
        },
      },
    },
    status: {
      currentReplicas: 3,
      desiredReplicas: 3,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '420m' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    },
  };
}

test('v2 -> v1 keeps the CPU target as targetCPUUtilizationPercentage and the rest in annotations', () => {
  const out = hpaV2ToV1(richV2());
  assert.equal(out.apiVersion, 'autoscaling/v1');
  assert.deepEqual(out.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 5,
    targetCPUUtilizationPercentage: 70,
  });
  assert.deepEqual(out.status, { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 42 });
  const ann = out.metadata?.annotations ?? {};
  assert.equal(ann['team'], 'a');
  assert.deepEqual(JSON.parse(ann[METRICS_ANNOTATION] ?? 'null'), [
    { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
    {
      type: 'Object',
      object: {
        target: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
        metricName: 'requests',
        targetValue: '2k',
      },
    },
  ]);
  assert.deepEqual(JSON.parse(ann[CURRENT_METRICS_ANNOTATION] ?? 'null'), [
    { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 42, currentAverageValue: '420m' } },
  ]);
  assert.deepEqual(JSON.parse(ann[CONDITIONS_ANNOTATION] ?? 'null'), richV2().status?.conditions);
  assert.deepEqual(JSON.parse(ann[BEHAVIOR_ANNOTATION] ?? 'null'), richV2().spec?.behavior);
});

test('v2 -> v1 -> v2 is lossless and consumes the round-trip annotations', () => {
  assert.deepEqual(hpaV1ToV2(hpaV2ToV1(richV2())), richV2());
});

test('a plain CPU-only HPA converts without annotations', () => {
  const plain: v2.HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'x', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    },
  };
  const out = hpaV2ToV1(plain);
  assert.equal(out.metadata?.annotations, undefined);
  assert.equal(out.spec?.targetCPUUtilizationPercentage, 80);
  assert.deepEqual(hpaV1ToV2(out), plain);
});

test('v1 status without the current-metrics annotation becomes a CPU current metric', () => {
  const out = hpaV1ToV2({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'x' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 },
    status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 55 },
  });
  assert.equal(out.spec?.metrics, undefined);
  assert.deepEqual(out.status?.currentMetrics, [
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55 } } },
  ]);
});
