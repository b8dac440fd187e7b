import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, waitUntil, type LocalCluster } from './helpers/cluster';

// Two replicas on one etcd: concurrent creates split across both never take a
// quota's usage past hard, because every charge is a compare-and-swap on the quota.

const NS = 'quota-race';
const HARD = 8;
const CREATES = 20;

let cluster: LocalCluster;

before(async () => {
  cluster = await startCluster({ haproxy: false, etcdMembers: 1, replicas: 2 });
  const r = await cluster.replicas[0].client.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(r.status, 201, r.body.toString());
  // the root CA publisher's kube-root-ca.crt is created in the namespace too: let it be stored before the quota
  // is, or it may be admitted before either replica's quota view holds the quota and counted by neither
  // admission nor the controller's first count (upstream has the same window)
  await waitUntil(
    'kube-root-ca.crt in the namespace',
    async () =>
      (await cluster.replicas[0].client.request('GET', `/api/v1/namespaces/${NS}/configmaps/kube-root-ca.crt`))
        .status === 200 || undefined,
    20_000,
  );
});

after(async () => {
  await cluster?.stop();
});

test(`${CREATES} concurrent configmap creates through two replicas against count/configmaps=${HARD}`, async () => {
  const [a, b] = cluster.replicas;
  const q = await a.client.request('POST', `/api/v1/namespaces/${NS}/resourcequotas`, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q' },
    spec: { hard: { 'count/configmaps': String(HARD) } },
  });
  assert.equal(q.status, 201, q.body.toString());
  // the leader's controller fills status.used (kube-root-ca.crt among the counted)
  const usedBefore = await waitUntil(
    'quota status through both replicas',
    async () => {
      const seen = await Promise.all(
        [a, b].map(async (r) => {
          const got = await r.client.request('GET', `/api/v1/namespaces/${NS}/resourcequotas/q`);
          const used = got.json<{ status?: { used?: Record<string, string> } }>().status?.used?.['count/configmaps'];
          return used === undefined ? undefined : Number(used);
        }),
      );
      return seen[0] !== undefined && seen[0] === seen[1] ? seen[0] : undefined;
    },
    20_000,
  );
  const results = await Promise.all(
    Array.from({ length: CREATES }, (_, i) =>
      (i % 2 ? a : b).client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}` },
        data: { i: String(i) },
      }),
    ),
  );
  const created = results.filter((r) => r.status === 201).length;
  const refused = results.filter((r) => r.status === 403);
  assert.equal(created, HARD - usedBefore, results.map((r) => `${r.status} ${r.body.toString()}`).join('\n'));
  assert.equal(refused.length, CREATES - created);
  for (const r of refused) {
    const status = r.json<{ reason: string; message: string }>();
    assert.equal(status.reason, 'Forbidden');
    assert.match(
      status.message,
      /exceeded quota: q, requested: count\/configmaps=1, used: count\/configmaps=\d+, limited: count\/configmaps=8/,
    );
  }
  // both replicas through both created exactly up to hard; nothing more is stored
  const list = await b.client.request('GET', `/api/v1/namespaces/${NS}/configmaps`);
  assert.equal(list.json<{ items: unknown[] }>().items.length, HARD);
  const got = await a.client.request('GET', `/api/v1/namespaces/${NS}/resourcequotas/q`);
  assert.equal(got.json<{ status: { used: Record<string, string> } }>().status.used['count/configmaps'], String(HARD));
});
