import type { Backend } from './backend';
import type { StorageCodec } from './codec';
import { EmbeddedBackend } from './embedded-backend';
import type { Storage } from './interface';
import { createStore } from './store';
import { TransformingBackend, type TransformerForKey } from './value/transforming-backend';

export interface StorageConfig {
  backend: 'etcd3' | 'embedded';
  /** --etcd-servers */
  etcdServers?: string[];
  /** Directory of the embedded store's kapi.db. */
  dataDir?: string;
  /** --etcd-prefix; keys given to Storage already include it, callers build them from this. */
  prefix?: string;
  /** --etcd-compaction-interval in ms; 0 disables compaction by this replica. */
  compactionIntervalMs?: number;
  /** Encryption at rest (--encryption-provider-config): each key's value transformer; absent stores values as encoded. */
  transformerForKey?: TransformerForKey;
  /** Wraps the raw backend (under encryption), e.g. to time each of its requests; given the key prefix. */
  wrapBackend?: (backend: Backend, prefix: string) => Backend;
  /** Wraps the backend the object store reads and writes through (tracing puts a span on each request). */
  wrapStoreBackend?: (backend: Backend) => Backend;
}

export interface OpenedStorage {
  storage: Storage;
  backend: Backend;
  /** The key prefix in effect ("/registry" unless configured). */
  prefix: string;
}

export async function openStorage(config: StorageConfig, codec: StorageCodec): Promise<OpenedStorage> {
  const prefix = (config.prefix ?? '/registry').replace(/\/+$/, '');
  let backend: Backend;
  if (config.backend === 'etcd3') {
    if (!config.etcdServers || config.etcdServers.length === 0) {
      throw new Error('storage backend etcd3 needs at least one etcd server (--etcd-servers)');
    }
    // loaded only when used: etcd3 pulls in gRPC, >100 ms of start-up the embedded store does not need
    const { Etcd3Backend } = await import('./etcd3-backend');
    backend = new Etcd3Backend({ endpoints: config.etcdServers, compactionIntervalMs: config.compactionIntervalMs });
  } else {
    if (!config.dataDir) throw new Error('storage backend embedded needs a data directory');
    backend = await EmbeddedBackend.open({
      dataDir: config.dataDir,
      compactionIntervalMs: config.compactionIntervalMs,
    });
  }
  if (config.wrapBackend) backend = config.wrapBackend(backend, prefix);
  if (config.transformerForKey) backend = new TransformingBackend(backend, config.transformerForKey);
  return { storage: createStore(config.wrapStoreBackend?.(backend) ?? backend, codec), backend, prefix };
}
