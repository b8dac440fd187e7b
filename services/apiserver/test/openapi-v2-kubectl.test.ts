import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/**
 * kubectl validates a `kind: List` client-side against GET /openapi/v2 (protobuf), and its
 * openapiv2 explain output reads the same document: both must work against kapi.
 */
describe('kubectl against /openapi/v2', () => {
  let replica: ReplicaProcess | undefined;
  let kc = '';

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
  });

  after(async () => {
    await replica?.cleanup();
  });

  const list = (items: object[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

  test('create -f of a List downloads /openapi/v2 and creates the items', async () => {
    const r = await kubectl(
      kc,
      ['create', '-f', '-', '-v=6'],
      list([
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x1', namespace: 'default' },
          data: { a: 'b' },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd1', namespace: 'default' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'd1' } },
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
            template: {
              metadata: { labels: { app: 'd1' } },
              spec: {
                containers: [
                  {
                    name: 'c',
                    image: 'nginx',
                    ports: [{ containerPort: 80 }],
                    resources: { limits: { cpu: 1, memory: '64Mi' } },
                  },
                ],
              },
            },
          },
        },
      ]),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /GET https:\/\/\S+\/openapi\/v2\S* 200 OK/);
    assert.match(r.stdout, /configmap\/x1 created/);
    assert.match(r.stdout, /deployment.apps\/d1 created/);
    const got = JSON.parse(await kubectlOk(kc, ['get', 'configmap', 'x1', '-n', 'default', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    assert.deepEqual(got.data, { a: 'b' });
  });

  test('an unknown field in a List item is rejected by client-side validation', async () => {
    const r = await kubectl(
      kc,
      ['create', '-f', '-'],
      list([
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          bogus: 1,
          metadata: { name: 'x2', namespace: 'default' },
          data: { a: 'b' },
        },
      ]),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ValidationError\(ConfigMap\): unknown field "bogus" in io\.k8s\.api\.core\.v1\.ConfigMap/);
    const gone = await kubectl(kc, ['get', 'configmap', 'x2', '-n', 'default']);
    assert.notEqual(gone.code, 0, 'nothing was created');
  });

  test('nested type errors and unknown fields name their paths', async () => {
    const r = await kubectl(
      kc,
      ['create', '-f', '-'],
      list([
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd2', namespace: 'default' },
          spec: {
            replicas: 'two',
            selector: { matchLabels: { app: 'd2' } },
            template: {
              metadata: { labels: { app: 'd2' } },
              spec: { containers: [{ name: 'c', image: 'nginx', imagee: 'x' }] },
            },
          },
        },
      ]),
    );
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /ValidationError\(Deployment\.spec\.replicas\): invalid type for io\.k8s\.api\.apps\.v1\.DeploymentSpec\.replicas: got "string", expected "integer"/,
    );
    assert.match(
      r.stderr,
      /ValidationError\(Deployment\.spec\.template\.spec\.containers\[0\]\): unknown field "imagee" in io\.k8s\.api\.core\.v1\.Container/,
    );
  });

  test('explain with the openapiv2 renderer, and the default (v3) one still', async () => {
    const v2 = await kubectlOk(kc, [
      'explain',
      'deployment.spec.strategy.rollingUpdate',
      '--output=plaintext-openapiv2',
    ]);
    assert.match(v2, /KIND:\s+Deployment/);
    assert.match(v2, /maxSurge\s+<string>/);
    const v3 = await kubectlOk(kc, ['explain', 'configmap', '--api-version=v1']);
    assert.match(v3, /KIND:\s+ConfigMap/);
  });
});
