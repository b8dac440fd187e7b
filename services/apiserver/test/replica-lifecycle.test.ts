import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ApiClient } from './helpers/client';
import { startReplicaProcess } from './helpers/replica';

const CM = '/api/v1/namespaces/default/configmaps';

describe('replica lifecycle on the embedded store', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-lifecycle-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('SIGKILL after acknowledged writes loses none of them', async () => {
    const first = await startReplicaProcess({ dataDir });
    const c = new ApiClient(first.kubeconfig);
    const acked: string[] = [];
    // concurrent writers, killed while requests are still in flight
    const writers = Array.from({ length: 4 }, (_, w) =>
      (async () => {
        for (let i = 0; ; i++) {
          const name = `w${w}-${i}`;
          try {
            const r = await c.request('POST', CM, {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { i: String(i) },
            });
            if (r.status !== 201) return;
            acked.push(name);
          } catch {
            return;
          }
        }
      })(),
    );
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 10));
    await first.kill();
    await Promise.all(writers);
    c.close();

    const second = await startReplicaProcess({ dataDir });
    const c2 = new ApiClient(second.kubeconfig);
    try {
      const list = (await c2.request('GET', CM)).json<{ items: Array<{ metadata: { name: string } }> }>();
      const stored = new Set(list.items.map((i) => i.metadata.name));
      const lost = acked.filter((n) => !stored.has(n));
      assert.deepEqual(lost, [], `acknowledged writes lost after SIGKILL (${acked.length} acknowledged)`);
    } finally {
      c2.close();
      await second.stop();
    }
  });

  test('SIGTERM stops cleanly and the data is intact on restart', async () => {
    const r1 = await startReplicaProcess({ dataDir });
    const c = new ApiClient(r1.kubeconfig);
    const created = await c.request('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'term' },
      data: { a: 'b' },
    });
    assert.equal(created.status, 201);
    c.close();
    assert.equal(await r1.stop(), 0);
    const r2 = await startReplicaProcess({ dataDir });
    const c2 = new ApiClient(r2.kubeconfig);
    try {
      const got = await c2.request('GET', `${CM}/term`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json<{ data: Record<string, string> }>().data, { a: 'b' });
    } finally {
      c2.close();
      await r2.stop();
    }
  });
});
