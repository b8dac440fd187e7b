import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import type { KubeObject } from '../src/api/object';
import { decodeObjectProtobuf } from '../src/codec/protobuf';
import { loadSchemaSet } from '../src/schema/load';
import { ApiClient, kubeconfigCredentials } from './helpers/client';
import { seedConfigMaps } from './helpers/configmap-seeder';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const COUNT = 20_000;
const NS = 'many';
const LIST = `/api/v1/namespaces/${NS}/configmaps`;
const MiB = 1024 * 1024;

function procStatusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]);
}

const rss = (pid: number): number => procStatusKiB(pid, 'VmRSS') * 1024;
const peakRss = (pid: number): number => procStatusKiB(pid, 'VmHWM') * 1024;
/** Linux: writing 5 to clear_refs restarts the process's peak RSS (VmHWM) from its current RSS. */
const resetPeak = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The lowest RSS seen over a short while: what is left once the list's garbage is collected. */
async function settledRss(pid: number, ms = 2000): Promise<number> {
  let low = rss(pid);
  for (let t = 0; t < ms; t += 100) {
    await sleep(100);
    low = Math.min(low, rss(pid));
  }
  return low;
}

describe('lists streamed item by item (real replica, 20,000 configmaps)', () => {
  let replica: ReplicaProcess;
  let client: ApiClient;
  let dataDir: string;
  let identityJson: Buffer;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-list-stream-'));
    await seedConfigMaps(dataDir, NS, COUNT);
    replica = await startReplicaProcess({ dataDir });
    client = new ApiClient(replica.kubeconfig);
    // the first read fills the watch cache; the measured ones come after
    const warm = await client.request('GET', `${LIST}?limit=1`);
    assert.equal(warm.status, 200);
    await client.request('GET', LIST);
  });

  after(async () => {
    client?.close();
    await replica?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a JSON list of every object raises peak RSS by far less than the objects decoded would', async () => {
    const baseline = await settledRss(replica.pid);
    resetPeak(replica.pid);
    const res = await client.request('GET', LIST);
    const peak = peakRss(replica.pid) - baseline;
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked', 'a large list is streamed, not sent with a length');
    assert.equal(res.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    const list = res.json<KubeObject>();
    const items = list.items as KubeObject[];
    assert.equal(items.length, COUNT);
    assert.equal(items[7].metadata?.name, 'cm-000007');
    assert.equal((items[7].data as Record<string, string>).text, 'grüße 7 ✓');
    assert.ok(peak < 200 * MiB, `peak RSS grew by ${(peak / MiB).toFixed(1)} MiB`);
    identityJson = res.body;
  });

  it('gzip: a large list is compressed for clients that accept it and decodes to the same bytes', async () => {
    const res = await client.request('GET', LIST, undefined, { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.ok(res.body.length < identityJson.length / 3, `gzip body ${res.body.length} of ${identityJson.length}`);
    assert.ok(zlib.gunzipSync(res.body).equals(identityJson));
  });

  it('gzip: a small response is not compressed even when the client accepts gzip', async () => {
    const res = await client.request('GET', `${LIST}/cm-000001`, undefined, { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.json<KubeObject>().metadata?.name, 'cm-000001');
    const small = await client.request('GET', `${LIST}?limit=5`, undefined, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers['content-length'], String(small.body.length));
  });

  it('kubectl (HTTP/2, Accept-Encoding gzip) gets the whole list; protobuf agrees with JSON', async () => {
    const out = JSON.parse(await kubectlOk(replica.kubeconfig, ['get', 'configmaps', '-n', NS, '-o', 'json'])) as {
      items: KubeObject[];
    };
    assert.equal(out.items.length, COUNT);
    const pb = await client.request('GET', LIST, undefined, { accept: 'application/vnd.kubernetes.protobuf' });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], 'application/vnd.kubernetes.protobuf');
    const decoded = decodeObjectProtobuf(loadSchemaSet(), pb.body);
    const pbItems = decoded.items as KubeObject[];
    assert.equal(pbItems.length, COUNT);
    const json = JSON.parse(identityJson.toString('utf8')) as { items: KubeObject[] };
    for (const i of [0, 1, 4999, COUNT - 1]) {
      assert.deepEqual(pbItems[i].metadata?.name, out.items[i].metadata?.name);
      assert.deepEqual(pbItems[i].data, out.items[i].data);
      assert.deepEqual(out.items[i].data, json.items[i].data);
    }
  });

  it('a client stopping mid-stream leaks nothing: the replica serves the next request and memory returns', async () => {
    const baseline = await settledRss(replica.pid);
    const { ca, cert, key } = kubeconfigCredentials(replica.kubeconfig);
    for (let round = 0; round < 3; round++) {
      await new Promise<void>((resolve, reject) => {
        const req = https.get(new URL(LIST, client.server), { ca, cert, key }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
      });
    }
    const next = await client.request('GET', LIST);
    assert.equal(next.status, 200);
    assert.equal((next.json<KubeObject>().items as unknown[]).length, COUNT);
    const settled = await settledRss(replica.pid, 3000);
    assert.ok(settled - baseline < 100 * MiB, `RSS settled ${((settled - baseline) / MiB).toFixed(1)} MiB higher`);
  });
});
