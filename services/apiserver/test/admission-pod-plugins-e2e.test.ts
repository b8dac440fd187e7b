import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PodSpec } from '../src/generated/k8s.io.api.core.v1';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

async function podSpec(kc: string, ns: string, name: string): Promise<PodSpec> {
  const out = await kubectlOk(kc, ['get', 'pod', name, '-n', ns, '-o', 'json']);
  return (JSON.parse(out) as { spec: PodSpec }).spec;
}

/** The default admission chain's pod mutations, as kubectl shows them on a real replica. */
describe('pod admission plugins (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
  });

  it('kubectl run in a fresh namespace: default account, token volume, priority 0, default tolerations', async () => {
    // the pod follows the namespace at once: admission waits for the controller's default account
    await kubectlOk(kc, ['create', 'ns', 'fresh']);
    await kubectlOk(kc, ['run', 'web', '-n', 'fresh', '--image=nginx']);
    const spec = await podSpec(kc, 'fresh', 'web');
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.volumes?.length, 1);
    const volume = spec.volumes?.[0];
    const name = volume?.name ?? '';
    assert.match(name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(volume?.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    });
    assert.deepEqual(spec.containers?.[0].volumeMounts, [{ name, mountPath: MOUNT_PATH, readOnly: true }]);
    assert.equal(spec.priority, 0);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('a system-cluster-critical pod gets priority 2000000000', async () => {
    await kubectlOk(kc, [
      'run',
      'critical',
      '-n',
      'fresh',
      '--image=nginx',
      '--overrides={"spec":{"priorityClassName":"system-cluster-critical"}}',
    ]);
    const spec = await podSpec(kc, 'fresh', 'critical');
    assert.equal(spec.priorityClassName, 'system-cluster-critical');
    assert.equal(spec.priority, 2000000000);
  });

  it('a missing service account, or PriorityClass, or RuntimeClass is refused with upstream’s text', async () => {
    const sa = await kubectl(kc, [
      'run',
      'ghost',
      '-n',
      'fresh',
      '--image=nginx',
      '--overrides={"spec":{"serviceAccountName":"ghost"}}',
    ]);
    assert.notEqual(sa.code, 0);
    assert.equal(
      sa.stderr.trim(),
      'Error from server (Forbidden): pods "ghost" is forbidden: error looking up service account fresh/ghost: serviceaccount "ghost" not found',
    );
    const pc = await kubectl(kc, [
      'run',
      'nopc',
      '-n',
      'fresh',
      '--image=nginx',
      '--overrides={"spec":{"priorityClassName":"nope"}}',
    ]);
    assert.equal(
      pc.stderr.trim(),
      'Error from server (Forbidden): pods "nopc" is forbidden: no PriorityClass with name nope was found',
    );
    const rc = await kubectl(kc, [
      'run',
      'norc',
      '-n',
      'fresh',
      '--image=nginx',
      '--overrides={"spec":{"runtimeClassName":"gvisor"}}',
    ]);
    assert.equal(
      rc.stderr.trim(),
      'Error from server (Forbidden): pods "norc" is forbidden: pod rejected: RuntimeClass "gvisor" not found',
    );
    // NamespaceLifecycle mutates before ServiceAccount looks for an account in the namespace
    const nowhere = await kubectl(kc, ['run', 'lost', '-n', 'nowhere', '--image=nginx']);
    assert.equal(nowhere.stderr.trim(), 'Error from server (NotFound): namespaces "nowhere" not found');
    const listed = await kubectlOk(kc, ['get', 'pods', '-n', 'fresh', '-o', 'name']);
    assert.deepEqual(listed.trim().split('\n').sort(), ['pod/critical', 'pod/web']);
  });

  it('a RuntimeClass sets overhead and node selector; automountServiceAccountToken=false opts out', async () => {
    const rc = {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'kata' },
      handler: 'kata',
      overhead: { podFixed: { cpu: '250m' } },
      scheduling: { nodeSelector: { sandbox: 'kata' } },
    };
    await kubectlOk(kc, ['apply', '-f', '-'], JSON.stringify(rc));
    await kubectlOk(kc, [
      'run',
      'sandboxed',
      '-n',
      'fresh',
      '--image=nginx',
      '--overrides={"spec":{"runtimeClassName":"kata","automountServiceAccountToken":false}}',
    ]);
    const spec = await podSpec(kc, 'fresh', 'sandboxed');
    assert.deepEqual(spec.overhead, { cpu: '250m' });
    assert.deepEqual(spec.nodeSelector, { sandbox: 'kata' });
    assert.equal(spec.volumes, undefined);
    assert.equal(spec.containers?.[0].volumeMounts, undefined);
  });
});
