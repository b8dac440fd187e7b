import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonStorageCodec } from '../src/storage/codec';
import type { OpenedStorage } from '../src/storage/factory';
import { createLanded } from '../src/storage/etcd3-backend';
import { openStorage } from '../src/storage/factory';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { runStorageConformance } from './storage-conformance';

runStorageConformance('etcd3', async () => {
  let etcd: RunningEtcd = await startEtcd();
  const ownedDir = etcd.dataDir;
  const servers: RunningEtcd[] = [];
  return {
    open: (opts = {}) =>
      openStorage(
        { backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: opts.compactionIntervalMs ?? 0 },
        jsonStorageCodec,
      ),
    async restartServer() {
      // Stop without removing the data, then start a new etcd process over the same data dir.
      const old = etcd;
      servers.push(old);
      process.kill(old.pid, 'SIGTERM');
      await waitGone(old.pid);
      etcd = await startEtcd({ dataDir: ownedDir });
    },
    async teardown() {
      await etcd.stop();
      for (const s of servers) await s.stop();
    },
  };
});

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The etcd3 client retries a call whose connection failed (three attempts by
// default), also a transaction etcd had applied before the member went away
// (the failover test kills members under load and catches a wrong answer there).
describe('etcd3 backend: a create the client retried', () => {
  let etcd: RunningEtcd;
  let opened: OpenedStorage;
  before(async () => {
    etcd = await startEtcd();
    opened = await openStorage(
      { backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 },
      jsonStorageCodec,
    );
  });
  after(async () => {
    await opened?.storage.close();
    await etcd?.stop();
  });

  test('after a retry, finding its own bytes means the create landed', () => {
    const v = Buffer.from('{"uid":"1"}');
    const current = { key: '/k', value: Buffer.from(v), createRevision: 7, modRevision: 7 };
    assert.deepEqual(createLanded(true, current, v), { ok: true, revision: 7 });
    assert.deepEqual(createLanded(true, current, Buffer.from('{"uid":"2"}')), { ok: false, current });
    assert.deepEqual(createLanded(false, current, v), { ok: false, current }, 'no retry: equal bytes prove nothing');
    assert.deepEqual(createLanded(true, undefined, v), { ok: false, current: undefined });
  });

  test('without a retry, the same bytes sent twice find the key taken', async () => {
    const b = opened.backend;
    const key = '/registry/ipaddresses/10.0.0.7';
    const v = Buffer.from('{"spec":{"parentRef":"x"}}');
    const first = await b.create(key, v);
    assert.ok(first.ok);
    const again = await b.create(key, v);
    assert.equal(again.ok, false, 'a second allocator writing the same value must not get the key');
    assert.ok(!again.ok && again.current?.value.equals(v));
  });
});
