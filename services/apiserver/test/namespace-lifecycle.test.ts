import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface Meta {
  name: string;
  uid: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Ns {
  metadata: Meta;
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: Condition[] };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('namespace lifecycle (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let client: ApiClient;

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
    client = new ApiClient(kc);
  });
  after(async () => {
    await replica?.cleanup();
  });

  const getJson = async <T>(args: string[]): Promise<T> =>
    JSON.parse(await kubectlOk(kc, [...args, '-o', 'json'])) as T;
  const items = async (resource: string, ns: string): Promise<Meta[]> =>
    (await getJson<{ items: Array<{ metadata: Meta }> }>(['get', resource, '-n', ns])).items.map((i) => i.metadata);

  it('deleting a namespace deletes its content; re-creating it does not bring the old objects back', async () => {
    await kubectlOk(kc, ['create', 'ns', 'p']);
    await kubectlOk(kc, ['create', 'cm', 'z', '-n', 'p', '--from-literal=a=b']);
    // the root CA publisher fills the namespace too; wait for it so its object is part of the content
    const before = await waitFor('kube-root-ca.crt in p', async () => {
      const cms = await items('cm', 'p');
      return cms.some((c) => c.name === 'kube-root-ca.crt') ? cms : undefined;
    });
    const oldUids = new Set(before.map((c) => c.uid));
    assert.ok(before.some((c) => c.name === 'z'));

    // kubectl waits until the namespace is gone
    await kubectlOk(kc, ['delete', 'ns', 'p']);
    const r = await kubectl(kc, ['get', 'cm', '-n', 'p', '-o', 'name']);
    assert.equal(r.stdout.trim(), '', `content survived the namespace: ${r.stdout}`);
    assert.equal(
      (await client.request('GET', '/api/v1/configmaps'))
        .json<{ items: Array<{ metadata: Meta & { namespace: string } }> }>()
        .items.filter((i) => i.metadata.namespace === 'p').length,
      0,
    );

    await kubectlOk(kc, ['create', 'ns', 'p']);
    const after = await waitFor('a fresh kube-root-ca.crt in p', async () => {
      const cms = await items('cm', 'p');
      return cms.some((c) => c.name === 'kube-root-ca.crt') ? cms : undefined;
    });
    assert.deepEqual(
      after.map((c) => c.name),
      ['kube-root-ca.crt'],
    );
    for (const c of after) assert.ok(!oldUids.has(c.uid), `old uid ${c.uid} came back`);
    await kubectlOk(kc, ['delete', 'ns', 'p']);
  });

  it('a namespace stays Terminating while content has finalizers, refuses new content, then disappears', async () => {
    await kubectlOk(kc, ['create', 'ns', 'f']);
    await kubectlOk(
      kc,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', namespace: 'f', finalizers: ['example.com/hold'] },
        data: { a: 'b' },
      }),
    );
    await waitFor('default ServiceAccount in f', async () =>
      (await items('sa', 'f')).some((s) => s.name === 'default') ? true : undefined,
    );
    await kubectlOk(kc, ['delete', 'ns', 'f', '--wait=false']);

    const ns = await waitFor('conditions on f', async () => {
      const n = await getJson<Ns>(['get', 'ns', 'f']);
      const c = n.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining');
      return c?.status === 'True' ? n : undefined;
    });
    assert.equal(ns.status?.phase, 'Terminating');
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
    assert.ok(ns.metadata.deletionTimestamp);
    const cond = (t: string): Condition | undefined => ns.status?.conditions?.find((c) => c.type === t);
    assert.equal(cond('NamespaceContentRemaining')?.reason, 'SomeResourcesRemain');
    assert.match(cond('NamespaceContentRemaining')?.message ?? '', /configmaps\. has 1 resource instances/);
    assert.equal(cond('NamespaceFinalizersRemaining')?.reason, 'SomeFinalizersRemain');
    assert.match(cond('NamespaceFinalizersRemaining')?.message ?? '', /example\.com\/hold in 1 resource instances/);
    assert.equal(cond('NamespaceDeletionContentFailure')?.status, 'False');
    assert.equal(cond('NamespaceDeletionDiscoveryFailure')?.status, 'False');

    // new content is refused, through kubectl and raw
    const k = await kubectl(kc, ['create', 'cm', 'new', '-n', 'f']);
    assert.notEqual(k.code, 0);
    assert.match(k.stderr, /unable to create new content in namespace f because it is being terminated/);
    const raw = await client.request('POST', '/api/v1/namespaces/f/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'new2' },
    });
    assert.equal(raw.status, 403);
    const st = raw.json<{ reason: string; message: string; details: { causes: Array<{ reason: string }> } }>();
    assert.equal(st.reason, 'Forbidden');
    assert.match(st.message, /unable to create new content in namespace f because it is being terminated/);
    assert.equal(st.details.causes[0].reason, 'NamespaceTerminating');

    // a write to the Terminating namespace itself must not remove it (the generic "no finalizers left" rule)
    await kubectlOk(kc, ['label', 'ns', 'f', 'touched=yes']);
    await sleep(1500);
    assert.equal((await getJson<Ns>(['get', 'ns', 'f'])).status?.phase, 'Terminating');
    // the defaults controllers do not refill a terminating namespace
    assert.deepEqual(
      (await items('cm', 'f')).map((c) => c.name),
      ['held'],
    );
    assert.deepEqual(await items('sa', 'f'), []);

    await kubectlOk(kc, ['patch', 'cm', 'held', '-n', 'f', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('f to disappear', async () => {
      const g = await kubectl(kc, ['get', 'ns', 'f']);
      return g.code !== 0 && /NotFound/.test(g.stderr) ? true : undefined;
    });
    assert.equal((await kubectl(kc, ['get', 'cm', '-n', 'f', '-o', 'name'])).stdout.trim(), '');
  });

  it('default, kube-system and kube-public may not be deleted, also not in a dry run or by --all', async () => {
    for (const name of ['kube-system', 'default', 'kube-public']) {
      const d = await kubectl(kc, ['delete', 'ns', name, '--dry-run=server']);
      assert.notEqual(d.code, 0, `dry-run delete of ${name} succeeded: ${d.stdout}`);
      assert.match(d.stderr, new RegExp(`namespaces "${name}" is forbidden: this namespace may not be deleted`));
      const raw = await client.request('DELETE', `/api/v1/namespaces/${name}`);
      assert.equal(raw.status, 403);
      const st = raw.json<{ reason: string; message: string; details: { name: string; kind: string } }>();
      assert.equal(st.reason, 'Forbidden');
      assert.equal(st.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
      assert.deepEqual(st.details, { name, kind: 'namespaces' });
    }
    await kubectlOk(kc, ['create', 'ns', 'doomed']);
    const all = await kubectl(kc, ['delete', 'namespace', '--all']);
    assert.notEqual(all.code, 0);
    const names = await waitFor('doomed gone and kube-node-lease back', async () => {
      const list = (await getJson<{ items: Ns[] }>(['get', 'ns'])).items.map((n) => n.metadata.name);
      return !list.includes('doomed') && list.includes('kube-node-lease') ? list : undefined;
    });
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
    for (const n of ['default', 'kube-system', 'kube-public']) {
      const got = await getJson<Ns>(['get', 'ns', n]);
      assert.equal(got.metadata.deletionTimestamp, undefined, `${n} was marked for deletion`);
      assert.equal(got.status?.phase, 'Active');
    }
  });
});
