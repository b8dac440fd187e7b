import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCacher } from '../src/storage/cacher';
import { createCacheItemCodec } from '../src/storage/cache-item-codec';
import { jsonStorageCodec } from '../src/storage/codec';
import { createProtobufStorageCodec } from '../src/storage/protobuf-codec';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage, type StorageConfig } from '../src/storage/factory';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { runStorageConformance } from './storage-conformance';

/**
 * The storage conformance suite through the watch cache. The suite makes a fresh
 * prefix per test ("/registry/<resource>/..."), so caches start on first read, one
 * per resource, through resourcePrefixOf. Two deliberate differences from the
 * uncached store, both upstream's: a watch from a revision older than the cache
 * (here: older than the cache's start) goes to etcd ('storage'), and a future
 * resourceVersion is waited for (shortened here) before TooLargeResourceVersion.
 */
function resourcePrefixOf(key: string): string | undefined {
  const parts = key.split('/');
  return parts.length >= 4 && parts[0] === '' ? `/${parts[1]}/${parts[2]}/` : undefined;
}

interface Packing {
  /** Stored and cached as kube-apiserver stores built-in kinds. */
  protobuf?: boolean;
  decodedWorkingSetBytes?: number;
}

async function openCached(config: StorageConfig, packing: Packing = {}): Promise<OpenedStorage> {
  const schemas = packing.protobuf ? loadSchemaSet() : undefined;
  const opened = await openStorage(config, schemas ? createProtobufStorageCodec(schemas) : jsonStorageCodec);
  const storage = createCacher(opened.storage, {
    prefixes: [],
    resourcePrefixOf,
    backend: opened.backend,
    tooOldWatch: 'storage',
    tooLargeResourceVersionWaitMs: 300,
    itemCodec: createCacheItemCodec(schemas),
    decodedWorkingSetBytes: packing.decodedWorkingSetBytes,
  });
  return { ...opened, storage };
}

runStorageConformance('cacher over etcd3', async () => {
  let etcd: RunningEtcd = await startEtcd();
  const ownedDir = etcd.dataDir;
  const old: RunningEtcd[] = [];
  return {
    open: (opts = {}) =>
      openCached({
        backend: 'etcd3',
        etcdServers: [etcd.endpoint],
        compactionIntervalMs: opts.compactionIntervalMs ?? 0,
      }),
    async restartServer() {
      old.push(etcd);
      process.kill(etcd.pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(etcd.pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      etcd = await startEtcd({ dataDir: ownedDir });
    },
    async teardown() {
      await etcd.stop();
      for (const s of old) await s.stop();
    },
  };
});

runStorageConformance('cacher over embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-cacher-'));
  return {
    open: (opts = {}) =>
      openCached({ backend: 'embedded', dataDir, compactionIntervalMs: opts.compactionIntervalMs ?? 0 }),
    teardown: () => rm(dataDir, { recursive: true, force: true }),
  };
});

// Every read decodes from packed protobuf: nothing is kept decoded between reads.
runStorageConformance('cacher over embedded, protobuf, no decoded working set', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-cacher-pb-'));
  const packing = { protobuf: true, decodedWorkingSetBytes: 0 };
  return {
    open: (opts = {}) =>
      openCached({ backend: 'embedded', dataDir, compactionIntervalMs: opts.compactionIntervalMs ?? 0 }, packing),
    teardown: () => rm(dataDir, { recursive: true, force: true }),
  };
});
