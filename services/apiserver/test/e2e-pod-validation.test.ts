import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

type Json = Record<string, unknown>;

// Pod validation of 1.32 and the eviction's DisruptionTarget condition, through
// kubectl v1.32 and raw requests against a real kapi.
describe('pod validation and eviction conditions end to end', () => {
  let replica: ReplicaProcess | undefined;
  let api: ApiClient;
  const kc = (): string => replica?.kubeconfig ?? '';
  const ok = (args: string[], stdin?: string) => kubectlOk(kc(), args, stdin);
  const getPod = async (name: string): Promise<Json> =>
    JSON.parse(await ok(['get', 'pod', name, '-o', 'json'])) as Json;
  const podPath = (name: string, sub = ''): string => `/api/v1/namespaces/default/pods/${name}${sub}`;

  before(async () => {
    replica = await startReplicaProcess();
    api = new ApiClient(replica.kubeconfig);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('a bad container security context is a 422 Invalid with upstream causes; kubectl prints them', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bad-sc' },
      spec: {
        containers: [
          { name: 'c', image: 'nginx', securityContext: { runAsUser: -1, seccompProfile: { type: 'Strict' } } },
        ],
        topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
      },
    };
    const r = await api.request('POST', '/api/v1/namespaces/default/pods', manifest);
    assert.equal(r.status, 422, r.body.toString());
    const status = r.json();
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual((status.details as Json).causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: must be between 0 and 2147483647, inclusive',
        field: 'spec.containers[0].securityContext.runAsUser',
      },
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "Strict": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
        field: 'spec.containers[0].securityContext.seccompProfile.type',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 0: must be greater than zero',
        field: 'spec.topologySpreadConstraints[0].maxSkew',
      },
    ]);
    const viaKubectl = await kubectl(kc(), ['create', '-f', '-'], JSON.stringify(manifest));
    assert.notEqual(viaKubectl.code, 0);
    assert.match(
      viaKubectl.stderr,
      /The Pod "bad-sc" is invalid: \n\* spec\.containers\[0\]\.securityContext\.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive/,
    );
  });

  test('a deployment template with a bad node affinity is refused at spec.template', async () => {
    const r = await api.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'aff' },
      spec: {
        selector: { matchLabels: { app: 'aff' } },
        template: {
          metadata: { labels: { app: 'aff' } },
          spec: {
            containers: [{ name: 'c', image: 'nginx' }],
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
          },
        },
      },
    });
    assert.equal(r.status, 422, r.body.toString());
    assert.deepEqual((r.json().details as Json).causes, [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: must have at least one node selector term',
        field:
          'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      },
    ]);
  });

  test('matchLabelKeys land in the stored pod affinity selector', async () => {
    await ok(
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'mlk', labels: { app: 'mlk', 'pod-template-hash': 'abc' } },
        spec: {
          containers: [{ name: 'c', image: 'nginx' }],
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  topologyKey: 'kubernetes.io/hostname',
                  labelSelector: { matchLabels: { app: 'mlk' } },
                  matchLabelKeys: ['pod-template-hash'],
                },
              ],
            },
          },
        },
      }),
    );
    const pod = await getPod('mlk');
    const anti = ((pod.spec as Json).affinity as Json).podAntiAffinity as Json;
    const [term] = anti.requiredDuringSchedulingIgnoredDuringExecution as Json[];
    assert.deepEqual(term.labelSelector, {
      matchLabels: { app: 'mlk' },
      matchExpressions: [{ key: 'pod-template-hash', operator: 'In', values: ['abc'] }],
    });
  });

  test('status: a container that exited under restartPolicy Never may not run again', async () => {
    await ok(['run', 'once', '--image=busybox', '--restart=Never']);
    const terminated = { name: 'once', image: 'busybox', imageID: '', ready: false, restartCount: 0 };
    await ok([
      'patch',
      'pod',
      'once',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { containerStatuses: [{ ...terminated, state: { terminated: { exitCode: 0 } } }] },
      }),
    ]);
    const back = await kubectl(kc(), [
      'patch',
      'pod',
      'once',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { containerStatuses: [{ ...terminated, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] },
      }),
    ]);
    assert.notEqual(back.code, 0);
    assert.match(
      back.stderr,
      /status\.containerStatuses\[0\]\.state: Forbidden: may not be transitioned to non-terminated state/,
    );
  });

  test('eviction marks the pod DisruptionTarget before its graceful deletion; a stale precondition is a 409', async () => {
    await ok(['run', 'ev', '--image=nginx']);
    await ok(
      ['create', '--raw', `${podPath('ev', '/binding')}`, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'ev' },
        target: { kind: 'Node', name: 'n1' },
      }),
    );
    await ok(['patch', 'pod', 'ev', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
    const before = await getPod('ev');
    const rv = String((before.metadata as Json).resourceVersion);
    const stale = await api.request('POST', podPath('ev', '/eviction'), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'ev' },
      deleteOptions: { preconditions: { resourceVersion: '1' } },
    });
    assert.equal(stale.status, 409, stale.body.toString());
    assert.equal(
      stale.json().message,
      `Operation cannot be fulfilled on Pod "ev": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
    );
    const evicted = await api.request('POST', podPath('ev', '/eviction'), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'ev' },
      deleteOptions: { preconditions: { resourceVersion: rv } },
    });
    assert.equal(evicted.status, 201, evicted.body.toString());
    const pod = await getPod('ev');
    assert.ok((pod.metadata as Json).deletionTimestamp, 'a scheduled, running pod is deleted gracefully');
    const target = ((pod.status as Json).conditions as Json[]).find((c) => c.type === 'DisruptionTarget');
    assert.ok(target, JSON.stringify(pod.status));
    assert.equal(target.status, 'True');
    assert.equal(target.reason, 'EvictionByEvictionAPI');
    assert.equal(target.message, 'Eviction API: evicting');
    assert.equal(target.lastProbeTime, null);
    assert.match(String(target.lastTransitionTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('a dry-run eviction leaves the pod untouched', async () => {
    await ok(['run', 'dry', '--image=nginx']);
    const rv = String(((await getPod('dry')).metadata as Json).resourceVersion);
    const r = await api.request('POST', `${podPath('dry', '/eviction')}?dryRun=All`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'dry' },
    });
    assert.equal(r.status, 201, r.body.toString());
    const pod = await getPod('dry');
    assert.equal((pod.metadata as Json).resourceVersion, rv);
    assert.equal((pod.status as Json).conditions, undefined);
  });
});
