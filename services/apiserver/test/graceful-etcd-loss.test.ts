import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ApiClient, type ClientResponse } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// A replica whose etcd goes away turns not ready, answers requests with a
// Status (503/504) within a bounded time instead of hanging or crashing, and
// recovers by itself once etcd is back on the same data: ready again, writes
// work, and its watch cache sees new events.

const BOUND_MS = 35_000;

let etcdDir: string;
let etcd: RunningEtcd | undefined;
let replica: ReplicaProcess;
let client: ApiClient;

before(async () => {
  etcdDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-etcd-loss-'));
  etcd = await startEtcd({ dataDir: etcdDir });
  replica = await startReplicaProcess({
    args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`, '--identity-lease-renew-interval-seconds=2'],
  });
  client = new ApiClient(replica.kubeconfig);
});

after(async () => {
  client?.close();
  await replica?.cleanup();
  await etcd?.stop();
  rmSync(etcdDir, { recursive: true, force: true });
});

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

async function timed(fn: () => Promise<ClientResponse>): Promise<{ res: ClientResponse; ms: number }> {
  const started = Date.now();
  const res = await fn();
  return { res, ms: Date.now() - started };
}

const configMap = (name: string): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: {} });

test('etcd loss: not ready, bounded 503/504 answers, then recovery without a restart', async () => {
  const ns = 'default';
  assert.equal((await client.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('before'))).status, 201);
  assert.equal((await client.request('GET', '/readyz')).status, 200);
  const { clientPort, peerPort } = etcd!;

  await etcd!.stop();
  etcd = undefined;

  const notReady = await waitFor(
    'readyz to fail',
    async () => {
      const r = await client.request('GET', '/readyz?verbose');
      return r.status === 500 ? r.body.toString() : undefined;
    },
    20_000,
  );
  assert.match(notReady, /\[-\]etcd failed/);
  // liveness is about the process, not its dependencies being reachable right now
  assert.equal((await client.request('GET', '/readyz/ping')).status, 200);

  const write = await timed(() => client.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('during')));
  assert.ok(
    [503, 504].includes(write.res.status),
    `write while etcd is down: ${write.res.status} ${write.res.body.toString()}`,
  );
  assert.equal(write.res.json<{ kind: string }>().kind, 'Status');
  assert.ok(write.ms < BOUND_MS, `write took ${write.ms} ms`);

  const read = await timed(() => client.request('GET', `/api/v1/namespaces/${ns}/configmaps/before`));
  assert.ok([200, 503, 504].includes(read.res.status), `read while etcd is down: ${read.res.status}`);
  assert.ok(read.ms < BOUND_MS, `read took ${read.ms} ms`);
  const list = await timed(() => client.request('GET', `/api/v1/namespaces/${ns}/configmaps`));
  assert.ok([200, 503, 504].includes(list.res.status), `list while etcd is down: ${list.res.status}`);
  assert.ok(list.ms < BOUND_MS, `list took ${list.ms} ms`);
  assert.equal(replica.child.exitCode, null, 'the replica must not exit');

  etcd = await startEtcd({ dataDir: etcdDir, clientPort, peerPort });

  await waitFor(
    'readyz to recover',
    async () => ((await client.request('GET', '/readyz')).status === 200 ? true : undefined),
    60_000,
  );
  const again = await waitFor(
    'a write after recovery',
    async () => {
      const r = await client.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('after'));
      return r.status === 201 ? r : undefined;
    },
    30_000,
  );
  const rv = again.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;

  // the watch cache follows etcd again: a consistent list shows the new object,
  // and a watch from before the write delivers it
  const listed = await client.request('GET', `/api/v1/namespaces/${ns}/configmaps`);
  assert.equal(listed.status, 200);
  const names = listed.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name);
  assert.ok(names.includes('before') && names.includes('after'), names.join(','));
  assert.ok(!names.includes('during'));

  // the cache's own etcd watch resumes after the client's reconnect backoff: a
  // resourceVersion=0 list (answered from memory) shows the new object once it has
  await waitFor(
    'the watch cache to see the write made after recovery',
    async () => {
      const r = await client.request('GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=0`);
      const items = r.json<{ items?: Array<{ metadata: { name: string } }> }>().items ?? [];
      return items.some((i) => i.metadata.name === 'after') ? true : undefined;
    },
    30_000,
  );
  const prior = String(Number(rv) - 1);
  const watched = await client.request(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${prior}&timeoutSeconds=2`,
  );
  assert.equal(watched.status, 200);
  assert.match(watched.body.toString(), /"name":"after"/);
  assert.equal(replica.child.exitCode, null);
});
