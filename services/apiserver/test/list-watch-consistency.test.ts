import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const NS = '/api/v1/namespaces/consistency/configmaps';

interface Item {
  metadata: { name: string; resourceVersion: string };
  data?: Record<string, string>;
}

/**
 * Ten writers keep changing configmaps while a reader lists in pages and then
 * watches from the list's resourceVersion: every change must be seen exactly once.
 */
describe('list then watch sees every change exactly once', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    c = new ApiClient(replica.kubeconfig);
    await c.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'consistency' },
    });
  });
  after(async () => {
    c?.close();
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('10 writers, paged list, watch from its resourceVersion', async () => {
    const writesPerWriter = 30;
    // each writer creates its object, then updates it; every write bumps data.n
    const finalState = new Map<string, number>();
    let writing = true;
    const writers = Array.from({ length: 10 }, (_, w) =>
      (async () => {
        const name = `w${w}`;
        const r = await c.request('POST', NS, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name },
          data: { n: '0' },
        });
        assert.equal(r.status, 201);
        finalState.set(name, 0);
        for (let i = 1; i < writesPerWriter; i++) {
          const p = await c.request(
            'PATCH',
            `${NS}/${name}`,
            { data: { n: String(i) } },
            { 'content-type': 'application/merge-patch+json' },
          );
          assert.equal(p.status, 200);
          finalState.set(name, i);
        }
      })(),
    );
    await new Promise((r) => setTimeout(r, 50));

    // paged list while writes go on: all pages come from one revision
    const seen = new Map<string, number>();
    let cont = '';
    let listRV = '';
    do {
      const page = (
        await c.request('GET', `${NS}?limit=3${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)
      ).json<{
        metadata: { resourceVersion: string; continue?: string };
        items: Item[];
      }>();
      if (!listRV) listRV = page.metadata.resourceVersion;
      assert.equal(page.metadata.resourceVersion, listRV, 'every page is served at the first page’s revision');
      for (const it of page.items) seen.set(it.metadata.name, Number(it.data?.n ?? '0'));
      cont = page.metadata.continue ?? '';
    } while (cont);

    // watch from the list's revision until every object reached its final value
    const events: Array<{ type: string; object: Item }> = [];
    await Promise.all(writers);
    writing = false;
    const target = new Map(finalState);
    await new Promise<void>((resolve, reject) => {
      const agent = (c as unknown as { agent: https.Agent }).agent;
      let buf = '';
      const req = https.get(new URL(`${NS}?watch=true&resourceVersion=${listRV}`, c.server), { agent }, (res) => {
        res.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: Item };
            buf = buf.slice(nl + 1);
            events.push(ev);
            seen.set(ev.object.metadata.name, Number(ev.object.data?.n ?? '0'));
          }
          if ([...target].every(([k, v]) => seen.get(k) === v)) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      setTimeout(() => {
        req.destroy();
        reject(new Error(`watch did not converge; ${events.length} events`));
      }, 15_000).unref();
    });
    assert.equal(writing, false);
    // exactly once: resourceVersions strictly increase, no event at or below the list's revision
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs.every((rv) => rv > Number(listRV)));
    for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i] > rvs[i - 1], 'no duplicate or reordered events');
    // every write after the list shows up: per object, values step by one from the listed value
    const perObject = new Map<string, number[]>();
    for (const e of events)
      perObject.set(e.object.metadata.name, [
        ...(perObject.get(e.object.metadata.name) ?? []),
        Number(e.object.data?.n ?? '0'),
      ]);
    for (const [name, values] of perObject) {
      for (let i = 1; i < values.length; i++)
        assert.equal(values[i], values[i - 1] + 1, `${name}: a change was missed or repeated`);
    }
    for (const [name, v] of target) assert.equal(seen.get(name), v);
  });
});
