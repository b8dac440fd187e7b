import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ApiClient, kubeconfigCredentials, type KubeconfigCredentials } from './helpers/client';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

type Tls = Pick<KubeconfigCredentials, 'ca' | 'cert' | 'key'>;

function tlsOf(kubeconfig: string): Tls {
  const { ca, cert, key } = kubeconfigCredentials(kubeconfig);
  return { ca, cert, key };
}

function openWatch(url: string, tls: Tls, path: string): Promise<{ res: IncomingMessage; destroy: () => void }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: u.hostname, port: Number(u.port), path, ...tls, agent: false }, (res) =>
      resolve({ res, destroy: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end();
  });
}

describe('a watcher that stops reading is cut off, not buffered without limit', () => {
  let replica: ReplicaProcess;
  let client: ApiClient;

  before(async () => {
    replica = await startReplicaProcess();
    client = new ApiClient(replica.kubeconfig);
  });

  after(async () => {
    client?.close();
    await replica?.cleanup();
  });

  test('3 stalled watches and 150 updates of 512 KiB: bounded memory, a reading watcher gets everything', async () => {
    const base = '/api/v1/namespaces/default/configmaps';
    const created = await client.request('POST', base, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
    });
    assert.equal(created.status, 201);
    const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const tls = tlsOf(replica.kubeconfig);
    const watchPath = `${base}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dbig`;
    const stalled = await Promise.all([0, 1, 2].map(() => openWatch(replica.url, tls, watchPath)));
    for (const s of stalled) s.res.pause();
    const reader = await openWatch(replica.url, tls, watchPath);
    let seen = 0;
    let buf = '';
    reader.res.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        if (buf.slice(0, nl).includes('"MODIFIED"')) seen++;
        buf = buf.slice(nl + 1);
      }
    });
    const before_ = rssBytes(replica.pid);
    let peak = before_;
    const payload = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 150; i++) {
      const r = await client.request('PUT', `${base}/big`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'big' },
        data: { v: `${i}${payload}` },
      });
      assert.equal(r.status, 200, r.body.toString().slice(0, 200));
      if (i % 10 === 0) peak = Math.max(peak, rssBytes(replica.pid));
    }
    const deadline = Date.now() + 20_000;
    while (seen < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, rssBytes(replica.pid));
    const growthMiB = (peak - before_) / 2 ** 20;
    console.log(`# stalled watchers: RSS ${Math.round(before_ / 2 ** 20)} MiB -> peak +${growthMiB.toFixed(0)} MiB`);
    assert.equal(seen, 150, 'the reading watcher saw every update');
    // unbounded buffering grew RSS by ~470 MiB and kept it; what proves the bound is the cut-off below,
    // this only catches a return to buffering everything (RSS also carries the cache ring and GC slack)
    assert.ok(growthMiB < 400, `RSS grew ${growthMiB.toFixed(0)} MiB`);
    // the stalled streams were ended by the server: once read, each ends short of the 150 events
    const ends = await Promise.all(
      stalled.map(
        (s) =>
          new Promise<number>((resolve) => {
            let events = 0;
            let rest = '';
            s.res.on('data', (d: Buffer) => {
              rest += d.toString();
              let nl: number;
              while ((nl = rest.indexOf('\n')) >= 0) {
                events++;
                rest = rest.slice(nl + 1);
              }
            });
            s.res.on('end', () => resolve(events));
            s.res.on('error', () => resolve(events));
            s.res.on('close', () => resolve(events));
            s.res.resume();
            setTimeout(() => {
              s.destroy();
              resolve(-1);
            }, 60_000);
          }),
      ),
    );
    for (const e of ends) assert.ok(e >= 0 && e < 150, `a stalled watch was not cut off (${e} events)`);
    reader.destroy();
    assert.equal((await client.request('GET', '/readyz')).status, 200);
  });
});
