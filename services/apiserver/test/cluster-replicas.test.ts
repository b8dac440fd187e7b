import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { replicaIdentity } from '../src/controllers/identity';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// Real replicas on one etcd: identity leases, default/kubernetes endpoints,
// leader election of the controllers, namespace deletion and garbage collection
// while the leader is SIGKILLed.

interface Lease {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
    acquireTime?: string;
    leaseTransitions?: number;
  };
}

interface Member {
  ip: string;
  proc: ReplicaProcess;
  client: ApiClient;
  leaseName: string;
}

let etcd: RunningEtcd;
const members: Member[] = [];

async function startMember(ip: string): Promise<Member> {
  const proc = await startReplicaProcess({
    args: [
      '--storage-backend=etcd3',
      `--etcd-servers=${etcd.endpoint}`,
      `--advertise-address=${ip}`,
      '--identity-lease-renew-interval-seconds=2',
    ],
  });
  const port = Number(new URL(proc.url).port);
  const member = {
    ip,
    proc,
    client: new ApiClient(proc.kubeconfig),
    leaseName: replicaIdentity({ advertiseAddress: ip, port }).leaseName,
  };
  members.push(member);
  return member;
}

function alive(): Member[] {
  return members.filter((m) => m.proc.child.exitCode === null && m.proc.child.signalCode === null);
}

function api(): ApiClient {
  return alive()[0].client;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function getJson<T>(path: string, client = api()): Promise<{ status: number; body: T }> {
  const res = await client.request('GET', path);
  return { status: res.status, body: res.json<T>() };
}

async function served(groupVersionPath: string, resource: string): Promise<boolean> {
  const r = await getJson<{ resources: Array<{ name: string }> }>(groupVersionPath);
  return r.status === 200 && r.body.resources.some((x) => x.name === resource);
}

async function identityLeases(): Promise<Lease[]> {
  const r = await getJson<{ items: Lease[] }>(
    '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases?labelSelector=apiserver.kubernetes.io%2Fidentity%3Dkube-apiserver',
  );
  return r.body.items;
}

async function controllerLease(): Promise<Lease> {
  return (await getJson<Lease>('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kapi-controller-manager'))
    .body;
}

function leaderOf(lease: Lease): Member | undefined {
  const holder = lease.spec.holderIdentity ?? '';
  return members.find((m) => holder.startsWith(`${m.leaseName}_`));
}

async function endpointIPs(): Promise<string[] | undefined> {
  const r = await getJson<{ subsets?: Array<{ addresses?: Array<{ ip: string }> }> }>(
    '/api/v1/namespaces/default/endpoints/kubernetes',
  );
  if (r.status !== 200) return undefined;
  return (r.body.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
}

async function createNamespace(name: string): Promise<void> {
  const r = await api().request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  assert.equal(r.status, 201, r.body.toString());
}

async function createConfigMaps(ns: string, count: number, ownerRef?: Record<string, unknown>): Promise<void> {
  for (let i = 0; i < count; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
        const metadata: Record<string, unknown> = { name: `cm-${i + j}` };
        if (ownerRef) metadata.ownerReferences = [ownerRef];
        const r = await api().request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata,
          data: { i: String(i + j) },
        });
        assert.equal(r.status, 201, r.body.toString());
      }),
    );
  }
}

async function createOwner(ns: string): Promise<Record<string, unknown>> {
  const r = await api().request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'owner' },
  });
  assert.equal(r.status, 201, r.body.toString());
  const uid = r.json<{ metadata: { uid: string } }>().metadata.uid;
  return { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid, blockOwnerDeletion: true };
}

interface CM {
  metadata: { name: string; ownerReferences?: unknown[]; finalizers?: string[]; deletionTimestamp?: string };
}

async function configMaps(ns: string): Promise<CM[]> {
  return (await getJson<{ items: CM[] }>(`/api/v1/namespaces/${ns}/configmaps`)).body.items;
}

async function deleteOwner(ns: string, policy: string): Promise<void> {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: policy });
  const r = await api().request('DELETE', `/api/v1/namespaces/${ns}/configmaps/owner`, body, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  assert.ok(r.status === 200 || r.status === 202, r.body.toString());
}

before(async () => {
  etcd = await startEtcd();
  await Promise.all([startMember('127.0.0.2'), startMember('127.0.0.3')]);
});

after(async () => {
  for (const m of members) {
    m.client.close();
    await m.proc.cleanup();
  }
  await etcd?.stop();
});

test('each replica holds a renewed identity lease with upstream naming and labels', async () => {
  const leases = await waitFor(
    'two identity leases',
    async () => {
      const l = await identityLeases();
      return l.length === 2 ? l : undefined;
    },
    10_000,
  );
  for (const lease of leases) {
    assert.match(lease.metadata.name, /^apiserver-[a-z2-7]{26}$/);
    assert.ok(members.some((m) => m.leaseName === lease.metadata.name));
    assert.equal(lease.metadata.labels?.['apiserver.kubernetes.io/identity'], 'kube-apiserver');
    assert.ok(lease.metadata.labels?.['kubernetes.io/hostname']);
    assert.ok(lease.spec.holderIdentity?.startsWith(`${lease.metadata.name}_`));
    assert.equal(lease.spec.leaseDurationSeconds, 3600);
    assert.match(lease.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  }
  const first = leases[0];
  await waitFor(
    'identity lease renewal',
    async () => {
      const now = (await identityLeases()).find((l) => l.metadata.name === first.metadata.name);
      return now && now.spec.renewTime !== first.spec.renewTime ? true : undefined;
    },
    6_000,
  );
});

test('exactly one replica holds the controller lease', async () => {
  const lease = await waitFor(
    'a leader',
    async () => {
      const l = await controllerLease();
      return leaderOf(l) ? l : undefined;
    },
    10_000,
  );
  assert.equal(lease.spec.leaseDurationSeconds, 15);
  assert.match(lease.spec.acquireTime ?? '', /\.\d{6}Z$/);
  assert.match(lease.spec.renewTime ?? '', /\.\d{6}Z$/);
  assert.equal(typeof lease.spec.leaseTransitions, 'number');
});

test('default/kubernetes follows replicas joining', async (t) => {
  if (!(await served('/api/v1', 'endpoints'))) {
    t.skip('core/v1 endpoints are not served yet');
    return;
  }
  await waitFor(
    'two endpoints',
    async () => ((await endpointIPs())?.join(',') === '127.0.0.2,127.0.0.3' ? true : undefined),
    15_000,
  );
  await startMember('127.0.0.4');
  await waitFor(
    'three endpoints',
    async () => ((await endpointIPs())?.join(',') === '127.0.0.2,127.0.0.3,127.0.0.4' ? true : undefined),
    15_000,
  );
  if (await served('/api/v1', 'services')) {
    const svc = await getJson<{
      metadata: { labels?: Record<string, string> };
      spec: { clusterIP?: string; ports?: Array<{ name: string; port: number; protocol?: string }> };
    }>('/api/v1/namespaces/default/services/kubernetes');
    assert.equal(svc.status, 200);
    assert.equal(svc.body.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(
      svc.body.spec.ports?.map((p) => [p.name, p.port, p.protocol]),
      [['https', 443, 'TCP']],
    );
    assert.equal(svc.body.metadata.labels?.component, 'apiserver');
    assert.equal(svc.body.metadata.labels?.provider, 'kubernetes');
  }
  if (await served('/apis/discovery.k8s.io/v1', 'endpointslices')) {
    const slices = await getJson<{ items: Array<{ endpoints?: Array<{ addresses: string[] }>; addressType: string }> }>(
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes',
    );
    const ips = slices.body.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();
    assert.deepEqual(ips, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    assert.ok(slices.body.items.every((s) => s.addressType === 'IPv4'));
  }
});

test('killing the leader mid-work: leadership, endpoints, namespace deletion and GC all recover', async () => {
  if (alive().length < 3) await startMember('127.0.0.4');
  const before = await controllerLease();
  const leader = leaderOf(before);
  assert.ok(leader, 'a leader');
  // work the leader is asked to do, then dies in the middle of
  await createNamespace('kill-ns');
  await createConfigMaps('kill-ns', 100);
  await createNamespace('kill-gc');
  const ownerRef = await createOwner('kill-gc');
  await createConfigMaps('kill-gc', 100, ownerRef);
  const survivor = alive().find((m) => m !== leader);
  assert.ok(survivor);
  const del = await survivor.client.request('DELETE', '/api/v1/namespaces/kill-ns');
  assert.equal(del.status, 200, del.body.toString());
  const delOwner = await survivor.client.request('DELETE', '/api/v1/namespaces/kill-gc/configmaps/owner');
  assert.equal(delOwner.status, 200, delOwner.body.toString());
  const killedAt = Date.now();
  await leader.proc.kill();

  const after = await waitFor(
    'a new leader',
    async () => {
      const l = await controllerLease();
      const m = leaderOf(l);
      return m && m !== leader ? l : undefined;
    },
    25_000,
  );
  const takeover = Date.now() - killedAt;
  assert.ok(takeover < 22_000, `took over after ${takeover} ms`);
  assert.equal(after.spec.leaseTransitions, (before.spec.leaseTransitions ?? 0) + 1);

  if (await served('/api/v1', 'endpoints')) {
    const want = alive()
      .map((m) => m.ip)
      .sort()
      .join(',');
    await waitFor(
      'endpoints without the killed replica',
      async () => ((await endpointIPs())?.join(',') === want ? true : undefined),
      Math.max(1000, 20_000 - (Date.now() - killedAt)),
    );
  }
  await waitFor(
    'kill-ns to be gone',
    async () => ((await getJson('/api/v1/namespaces/kill-ns')).status === 404 ? true : undefined),
    20_000,
  );
  await waitFor(
    'kill-gc dependents to be gone',
    async () =>
      (await configMaps('kill-gc')).filter((c) => c.metadata.name.startsWith('cm-')).length === 0 ? true : undefined,
    20_000,
  );
});

test('garbage collection: foreground and orphan propagation with 100 dependents', async () => {
  await createNamespace('gc-fg');
  const fgRef = await createOwner('gc-fg');
  await createConfigMaps('gc-fg', 100, fgRef);
  await deleteOwner('gc-fg', 'Foreground');
  const owner = await getJson<CM>('/api/v1/namespaces/gc-fg/configmaps/owner');
  if (owner.status === 200) {
    assert.ok(owner.body.metadata.deletionTimestamp);
    assert.ok(owner.body.metadata.finalizers?.includes('foregroundDeletion'));
  }
  await waitFor(
    'foreground deletion',
    async () =>
      (await configMaps('gc-fg')).some((c) => c.metadata.name === 'owner' || c.metadata.name.startsWith('cm-'))
        ? undefined
        : true,
    20_000,
  );

  await createNamespace('gc-orphan');
  const orphanRef = await createOwner('gc-orphan');
  await createConfigMaps('gc-orphan', 100, orphanRef);
  await deleteOwner('gc-orphan', 'Orphan');
  await waitFor(
    'orphaning',
    async () => {
      const cms = await configMaps('gc-orphan');
      if (cms.some((c) => c.metadata.name === 'owner')) return undefined;
      const deps = cms.filter((c) => c.metadata.name.startsWith('cm-'));
      return deps.length === 100 && deps.every((c) => !c.metadata.ownerReferences) ? true : undefined;
    },
    20_000,
  );
});

test('a new namespace gets kube-root-ca.crt and the default ServiceAccount', async () => {
  await createNamespace('defaults');
  await waitFor(
    'kube-root-ca.crt',
    async () => {
      const r = await getJson<{ data?: Record<string, string> }>(
        '/api/v1/namespaces/defaults/configmaps/kube-root-ca.crt',
      );
      return r.status === 200 && r.body.data?.['ca.crt']?.includes('BEGIN CERTIFICATE') ? true : undefined;
    },
    10_000,
  );
  if (await served('/api/v1', 'serviceaccounts')) {
    await waitFor(
      'default ServiceAccount',
      async () =>
        (await getJson('/api/v1/namespaces/defaults/serviceaccounts/default')).status === 200 ? true : undefined,
      10_000,
    );
  }
});
