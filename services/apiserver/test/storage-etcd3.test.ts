import { jsonStorageCodec } from '../src/storage/codec';
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
