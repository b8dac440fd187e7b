import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

type Json = Record<string, unknown>;

const STORAGE_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: example.com/fast
`;

const CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: fast
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;

// Quotas, priority classes, ingresses, storage classes and claims through kubectl v1.32
// against a real kapi: upstream's defaults and refusals.
describe('cluster configuration kinds with kubectl', () => {
  let replica: ReplicaProcess | undefined;
  const ok = (args: string[], stdin?: string) => kubectlOk(replica?.kubeconfig ?? '', args, stdin);
  const fails = async (args: string[], stdin?: string): Promise<string> => {
    const res = await kubectl(replica?.kubeconfig ?? '', args, stdin);
    assert.notEqual(res.code, 0, `${args.join(' ')} succeeded`);
    return res.stderr;
  };
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('a PersistentVolume phase change through /status gets a new transition time', async () => {
    await ok(
      ['create', '-f', '-'],
      `apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/pv1}
`,
    );
    const read = async () =>
      JSON.parse(await ok(['get', 'pv', 'pv1', '-o', 'json'])) as {
        status: { phase: string; lastPhaseTransitionTime: string };
      };
    const created = await read();
    assert.equal(created.status.phase, 'Pending');
    assert.match(created.status.lastPhaseTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // the same phase keeps the time; a client clearing it does not lose it
    await ok([
      'patch',
      'pv',
      'pv1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"lastPhaseTransitionTime":null}}',
    ]);
    assert.equal((await read()).status.lastPhaseTransitionTime, created.status.lastPhaseTransitionTime);
    await new Promise((r) => setTimeout(r, 1100));
    await ok(['patch', 'pv', 'pv1', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Available"}}']);
    const available = await read();
    assert.equal(available.status.phase, 'Available');
    assert.ok(available.status.lastPhaseTransitionTime > created.status.lastPhaseTransitionTime);
  });

  test('kubectl create quota, and a negative quantity is refused', async () => {
    await ok(['create', 'quota', 'q', '--hard=cpu=2,pods=10']);
    const q = JSON.parse(await ok(['get', 'quota', 'q', '-o', 'json'])) as Json;
    assert.deepEqual((q.spec as Json).hard, { cpu: '2', pods: '10' });
    assert.match(await fails(['create', 'quota', 'neg', '--hard=cpu=-1']), /spec\.hard\[cpu\]: Invalid value: "-1"/);
  });

  test('kubectl create priorityclass; the system- prefix is reserved and value is immutable', async () => {
    await ok(['create', 'priorityclass', 'high', '--value=1000', '--description=important']);
    const pc = JSON.parse(await ok(['get', 'pc', 'high', '-o', 'json'])) as Json;
    assert.equal(pc.value, 1000);
    assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
    assert.match(await fails(['create', 'priorityclass', 'system-mine', '--value=5']), /system-mine/);
    assert.match(
      await fails(['patch', 'pc', 'high', '--type=merge', '-p', '{"value":7}']),
      /value: Forbidden|immutable/,
    );
  });

  test('kubectl create ingress --rule stores upstream defaults', async () => {
    await ok(['create', 'ingress', 'web', '--rule=foo.example.com/bar=svc:80']);
    const ing = JSON.parse(await ok(['get', 'ing', 'web', '-o', 'json'])) as Json;
    const rules = (ing.spec as Json).rules as Json[];
    assert.equal(rules[0].host, 'foo.example.com');
    const paths = (rules[0].http as Json).paths as Json[];
    assert.equal(paths[0].path, '/bar');
    assert.equal(paths[0].pathType, 'Exact');
    assert.match(await fails(['create', 'ingress', 'bad', '--rule=FOO_/x=svc:80']), /spec\.rules\[0\]\.host/);
  });

  test('a StorageClass defaults reclaimPolicy and binding mode; a bound claim keeps its class', async () => {
    await ok(['apply', '-f', '-'], STORAGE_CLASS);
    const sc = JSON.parse(await ok(['get', 'sc', 'fast', '-o', 'json'])) as Json;
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.volumeBindingMode, 'Immediate');
    assert.match(
      await fails(['patch', 'sc', 'fast', '--type=merge', '-p', '{"provisioner":"other.com/x"}']),
      /provisioner: Forbidden: updates to provisioner are forbidden/,
    );
    await ok(['apply', '-f', '-'], CLAIM);
    const pvc = JSON.parse(await ok(['get', 'pvc', 'data', '-o', 'json'])) as Json;
    assert.equal((pvc.spec as Json).volumeMode, 'Filesystem');
    assert.match(
      await fails(['patch', 'pvc', 'data', '--type=merge', '-p', '{"spec":{"storageClassName":"slow"}}']),
      /spec: Forbidden: spec is immutable after creation/,
    );
  });
});
