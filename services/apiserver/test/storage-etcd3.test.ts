import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonStorageCodec } from '../src/storage/codec';
import type { OpenedStorage } from '../src/storage/factory';
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
// default), also a transaction etcd had applied before the member went away.
// Sending the same write twice is exactly what such a retry does.
describe('etcd3 backend: a retried write that had already landed', () => {
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

  test('a create sent twice reports the create that landed, and only that one', async () => {
    const b = opened.backend;
    const key = '/registry/configmaps/default/retried';
    const v1 = Buffer.from('{"uid":"1"}');
    const first = await b.create(key, v1);
    assert.ok(first.ok);
    const again = await b.create(key, v1);
    assert.deepEqual(again, first, 'the same bytes again: the create that landed');
    const other = await b.create(key, Buffer.from('{"uid":"2"}'));
    assert.equal(other.ok, false, 'other bytes: the key exists');
    assert.ok(!other.ok && other.current?.value.equals(v1));
  });
});
