import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type LocalCluster } from './helpers/cluster';

// Cross-replica consistency on the HA topology (3 etcd members, 3 replicas, one
// PKI): a write acknowledged by one replica is in the very next list without
// resourceVersion served by another replica, directly (no load balancer).

const TRIALS = 1000;
const POOL = 50;
const NS = 'ha-consistency';
const PAIRS: Array<[number, number]> = [
  [0, 1],
  [1, 0],
  [1, 2],
  [2, 1],
  [2, 0],
  [0, 2],
];

interface ConfigMap {
  metadata: { name: string; resourceVersion: string };
  data?: Record<string, string>;
}

let cluster: LocalCluster;

before(async () => {
  cluster = await startCluster({ haproxy: false, etcdMembers: 3, replicas: 3 });
  const r = await cluster.replicas[0].client.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(r.status, 201, r.body.toString());
});

after(async () => {
  await cluster?.stop();
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test(`writes through replica A are in an immediate list through replica B (${TRIALS} trials, zero stale)`, async (t) => {
  const stale: string[] = [];
  const writeMs: number[] = [];
  const listMs: number[] = [];
  const started = Date.now();
  for (let i = 0; i < TRIALS; i++) {
    // roles rotate over every ordered pair of the three replicas: A writes, B lists
    const [ai, bi] = PAIRS[i % PAIRS.length];
    const a = cluster.replicas[ai];
    const b = cluster.replicas[bi];
    const name = `cm-${i % POOL}`;
    const t0 = performance.now();
    const w =
      i < POOL
        ? await a.client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { v: String(i) },
          })
        : await a.client.request(
            'PATCH',
            `/api/v1/namespaces/${NS}/configmaps/${name}`,
            JSON.stringify({ data: { v: String(i) } }),
            { 'content-type': 'application/merge-patch+json' },
          );
    const t1 = performance.now();
    assert.equal(w.status, i < POOL ? 201 : 200, w.body.toString());
    const written = Number(w.json<ConfigMap>().metadata.resourceVersion);
    const l = await b.client.request('GET', `/api/v1/namespaces/${NS}/configmaps`);
    const t2 = performance.now();
    writeMs.push(t1 - t0);
    listMs.push(t2 - t1);
    assert.equal(l.status, 200, l.body.toString());
    const list = l.json<{ metadata: { resourceVersion: string }; items: ConfigMap[] }>();
    const item = list.items.find((x) => x.metadata.name === name);
    if (
      Number(list.metadata.resourceVersion) < written ||
      !item ||
      item.data?.v !== String(i) ||
      Number(item.metadata.resourceVersion) !== written
    ) {
      stale.push(
        `trial ${i}: wrote ${name} v=${i} rv=${written} via ${a.name}; ${b.name} listed rv=${list.metadata.resourceVersion} ` +
          `item=${item ? `v=${item.data?.v} rv=${item.metadata.resourceVersion}` : 'missing'}`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  writeMs.sort((x, y) => x - y);
  listMs.sort((x, y) => x - y);
  t.diagnostic(
    `${TRIALS} trials in ${seconds.toFixed(1)} s; write p50 ${percentile(writeMs, 50).toFixed(1)} ms ` +
      `p99 ${percentile(writeMs, 99).toFixed(1)} ms; list-after-write p50 ${percentile(listMs, 50).toFixed(1)} ms ` +
      `p99 ${percentile(listMs, 99).toFixed(1)} ms; stale ${stale.length}`,
  );
  assert.deepEqual(stale.slice(0, 10), [], `${stale.length} stale lists`);
});

test('a ServiceAccount token minted through one replica is accepted by every replica (shared keys)', async () => {
  const c0 = cluster.replicas[0].client;
  const sa = await c0.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'everywhere' },
  });
  assert.equal(sa.status, 201, sa.body.toString());
  const tr = await c0.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/everywhere/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {},
  });
  assert.equal(tr.status, 201, tr.body.toString());
  const token = tr.json<{ status: { token: string } }>().status.token;
  for (const r of cluster.replicas) {
    const url = new URL('/apis/authentication.k8s.io/v1/selfsubjectreviews', r.client.server);
    const res = await fetchWithToken(url, token);
    assert.equal(res.status, 201, `${r.name}: ${res.body}`);
    assert.match(res.body, /system:serviceaccount:ha-consistency:everywhere/);
  }
});

async function fetchWithToken(url: URL, token: string): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
