import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('ResourceQuota (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;

  const usedOf = async (ns: string, name: string): Promise<Record<string, string>> => {
    const out = await kubectlOk(kc, ['-n', ns, 'get', 'quota', name, '-o', 'jsonpath={.status.used}']);
    return out ? (JSON.parse(out) as Record<string, string>) : {};
  };

  /** A namespace with its kube-root-ca.crt published, as upstream's controllers leave one. */
  const namespace = async (ns: string): Promise<void> => {
    await kubectlOk(kc, ['create', 'namespace', ns]);
    await eventually(
      `${ns}/kube-root-ca.crt`,
      async () => (await kubectl(kc, ['-n', ns, 'get', 'configmap', 'kube-root-ca.crt'])).code === 0,
    );
  };

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
  });

  it('kubectl create quota, then the third configmap is refused (kube-root-ca.crt counts)', async () => {
    await namespace('quota-count');
    await kubectlOk(kc, ['-n', 'quota-count', 'create', 'quota', 'q', '--hard=pods=2,configmaps=3']);
    await eventually('quota status', async () => (await usedOf('quota-count', 'q')).configmaps === '1');
    assert.deepEqual(await usedOf('quota-count', 'q'), { configmaps: '1', pods: '0' });
    await kubectlOk(kc, ['-n', 'quota-count', 'create', 'configmap', 'c1', '--from-literal=a=b']);
    await kubectlOk(kc, ['-n', 'quota-count', 'create', 'configmap', 'c2', '--from-literal=a=b']);
    const r = await kubectl(kc, ['-n', 'quota-count', 'create', 'configmap', 'c3', '--from-literal=a=b']);
    assert.notEqual(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      'error: failed to create configmap: configmaps "c3" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
    );
    const describe = await kubectlOk(kc, ['-n', 'quota-count', 'describe', 'quota', 'q']);
    assert.match(describe, /configmaps\s+3\s+3/);

    // usage is released after a delete, once the controller recounts
    await kubectlOk(kc, ['-n', 'quota-count', 'delete', 'configmap', 'c1']);
    await eventually('usage released', async () => (await usedOf('quota-count', 'q')).configmaps === '2');
    await kubectlOk(kc, ['-n', 'quota-count', 'create', 'configmap', 'c3', '--from-literal=a=b']);
  });

  it('compute quota: pods must specify the values it limits', async () => {
    await namespace('quota-compute');
    await kubectlOk(kc, [
      '-n',
      'quota-compute',
      'create',
      'quota',
      'compute',
      '--hard=requests.cpu=1,limits.memory=1Gi',
    ]);
    await eventually('quota status', async () => 'requests.cpu' in (await usedOf('quota-compute', 'compute')));
    const r = await kubectl(kc, ['-n', 'quota-compute', 'run', 'c', '--image=busybox']);
    assert.notEqual(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): pods "c" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c',
    );
    const pod = (name: string, cpu: string): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu }, limits: { memory: '512Mi' } } }],
        },
      });
    await kubectlOk(kc, ['-n', 'quota-compute', 'create', '-f', '-'], pod('p1', '600m'));
    assert.deepEqual(await usedOf('quota-compute', 'compute'), { 'limits.memory': '512Mi', 'requests.cpu': '600m' });
    const over = await kubectl(kc, ['-n', 'quota-compute', 'create', '-f', '-'], pod('p2', '600m'));
    assert.equal(
      over.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": pods "p2" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    );
  });

  it('a server dry run is checked but not charged', async () => {
    await namespace('quota-dry');
    await kubectlOk(kc, ['-n', 'quota-dry', 'create', 'quota', 'q', '--hard=count/secrets=1']);
    await eventually('quota status', async () => (await usedOf('quota-dry', 'q'))['count/secrets'] === '0');
    for (const name of ['s1', 's2']) {
      await kubectlOk(kc, [
        '-n',
        'quota-dry',
        'create',
        'secret',
        'generic',
        name,
        '--from-literal=a=b',
        '--dry-run=server',
      ]);
    }
    assert.deepEqual(await usedOf('quota-dry', 'q'), { 'count/secrets': '0' });
    await kubectlOk(kc, ['-n', 'quota-dry', 'create', 'secret', 'generic', 'real', '--from-literal=a=b']);
    const r = await kubectl(kc, [
      '-n',
      'quota-dry',
      'create',
      'secret',
      'generic',
      's3',
      '--from-literal=a=b',
      '--dry-run=server',
    ]);
    assert.match(
      r.stderr,
      /secrets "s3" is forbidden: exceeded quota: q, requested: count\/secrets=1, used: count\/secrets=1, limited: count\/secrets=1/,
    );
  });
});
