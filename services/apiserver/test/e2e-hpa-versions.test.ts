import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectlOk, kubectlWatch } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { NGINX_DEPLOYMENT } from './kubectl-suite';

type Json = Record<string, unknown>;

// One HorizontalPodAutoscaler stored at autoscaling/v2, read and written in v1 and v2
// with kubectl v1.32 against a real kapi.
describe('horizontalpodautoscalers in autoscaling/v1 and autoscaling/v2', () => {
  let replica: ReplicaProcess | undefined;
  const ok = (args: string[], stdin?: string) => kubectlOk(replica?.kubeconfig ?? '', args, stdin);
  before(async () => {
    replica = await startReplicaProcess();
    await ok(['apply', '-f', '-'], NGINX_DEPLOYMENT);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('api-resources lists hpa once, in the preferred v2', async () => {
    const out = await ok(['api-resources', '--api-group=autoscaling']);
    assert.match(out, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
  });

  test('kubectl autoscale, then read back in both versions', async () => {
    await ok(['autoscale', 'deployment', 'nginx-deployment', '--min=2', '--max=5', '--cpu-percent=80']);
    const inV1 = JSON.parse(
      await ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'nginx-deployment', '-o', 'json']),
    ) as Json;
    assert.equal(inV1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(inV1.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx-deployment' },
      minReplicas: 2,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 80,
    });
    const inV2 = JSON.parse(
      await ok(['get', 'horizontalpodautoscalers.v2.autoscaling', 'nginx-deployment', '-o', 'json']),
    ) as Json;
    assert.equal(inV2.apiVersion, 'autoscaling/v2');
    assert.deepEqual((inV2.spec as Json).metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    const table = await ok(['get', 'hpa', 'nginx-deployment']);
    assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
    assert.match(table, /^nginx-deployment\s+Deployment\/nginx-deployment\s+cpu: <unknown>\/80%\s+2\s+5\s+0\s+\S+$/m);
  });

  test('a v2-only behavior written in v2 shows in the v1 annotation and survives a v1 update', async () => {
    await ok([
      'patch',
      'horizontalpodautoscalers.v2.autoscaling',
      'nginx-deployment',
      '--type=merge',
      '-p',
      '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}}}',
    ]);
    const inV1 = JSON.parse(
      await ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'nginx-deployment', '-o', 'json']),
    ) as Json;
    const behavior = JSON.parse(
      String(((inV1.metadata as Json).annotations as Json)['autoscaling.alpha.kubernetes.io/behavior']),
    ) as Json;
    // defaulting completed the rest of the given rule and the other direction
    assert.deepEqual(behavior.scaleDown, {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
    await ok([
      'patch',
      'horizontalpodautoscalers.v1.autoscaling',
      'nginx-deployment',
      '--type=merge',
      '-p',
      '{"spec":{"maxReplicas":7}}',
    ]);
    const inV2 = JSON.parse(
      await ok(['get', 'horizontalpodautoscalers.v2.autoscaling', 'nginx-deployment', '-o', 'json']),
    ) as Json;
    assert.equal((inV2.spec as Json).maxReplicas, 7);
    assert.equal((((inV2.spec as Json).behavior as Json).scaleDown as Json).stabilizationWindowSeconds, 60);
    assert.equal((inV2.metadata as Json).annotations, undefined);
  });

  test('a watch in v1 delivers an object written in v2, converted', async () => {
    const w = kubectlWatch(replica?.kubeconfig ?? '', [
      'get',
      'horizontalpodautoscalers.v1.autoscaling',
      '--watch',
      '--output-watch-events',
      '-o',
      'json',
    ]);
    try {
      await w.waitFor((out) => out.includes('"ADDED"'));
      await ok([
        'patch',
        'horizontalpodautoscalers.v2.autoscaling',
        'nginx-deployment',
        '--type=merge',
        '-p',
        '{"spec":{"maxReplicas":9}}',
      ]);
      const out = await w.waitFor((o) => o.includes('"MODIFIED"') && o.includes('"maxReplicas":9'));
      const modified = out.slice(out.lastIndexOf('"MODIFIED"'));
      assert.match(modified, /"apiVersion":"autoscaling\/v1"/);
      assert.match(modified, /"targetCPUUtilizationPercentage":80/);
    } finally {
      w.stop();
    }
  });
});
