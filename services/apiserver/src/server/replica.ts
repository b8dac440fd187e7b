import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ensurePki, writeKubeconfig } from '../certs';
import { ApiHandler } from '../endpoints/api-handler';
import { firstServiceIP, type ServerOptions } from '../options';
import { GenericStore } from '../registry/generic-store';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../registry/resources';
import { genericClusterStrategy, genericNamespacedStrategy, strategyFor } from '../registry/strategies';
import { loadSchemaSet } from '../schema/load';
import type { SchemaSet } from '../schema/model';
import { storageCodecFor } from '../storage/protobuf-codec';
import { openStorage } from '../storage/factory';
import type { Storage } from '../storage/interface';
import { buildApp } from './app';
import { NamespaceController } from './namespace-controller';
import { NamespaceStore } from './namespace-store';
import { ensureSystemNamespaces, namespaceGate } from './namespaces';
import { NonResourceHandler } from './non-resource';
import { createOpenApiProvider } from './openapi-provider';

export interface RunningReplica {
  url: string;
  port: number;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

export class StoreTable {
  private readonly byKey = new Map<string, GenericStore>();

  add(store: GenericStore): void {
    const i = store.info;
    this.byKey.set(`${i.group}/${i.version}/${i.resource}`, store);
  }

  store(group: string, version: string, resource: string): GenericStore | undefined {
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  all(): GenericStore[] {
    return [...this.byKey.values()];
  }

  resources(): ResourceInfo[] {
    return this.all().map((s) => s.info);
  }
}

function buildStores(storage: Storage, prefix: string): { table: StoreTable; namespaces: NamespaceStore } {
  const table = new StoreTable();
  let namespaces: NamespaceStore | undefined;
  const gate = namespaceGate(() => namespaces);
  for (const info of BUILTIN_RESOURCES) {
    const strategy =
      strategyFor(info.group, info.resource) ?? (info.namespaced ? genericNamespacedStrategy : genericClusterStrategy);
    if (info.group === '' && info.resource === 'namespaces') {
      namespaces = new NamespaceStore(info, strategy, storage, prefix);
      table.add(namespaces);
    } else {
      table.add(new GenericStore(info, strategy, storage, prefix, gate));
    }
  }
  if (!namespaces) throw new Error('namespaces resource is not registered');
  return { table, namespaces };
}

export async function startReplica(
  opts: ServerOptions,
  log: (line: string) => void = console.log,
): Promise<RunningReplica> {
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const hosts = [opts.bindAddress, opts.advertiseAddress, firstServiceIP(opts.serviceClusterIPRange)].filter(
    (h) => h && h !== '0.0.0.0' && h !== '::',
  );
  const pki = await ensurePki(dataDir, { hosts });
  const schemas: SchemaSet = loadSchemaSet();
  const opened = await openStorage(
    {
      backend: opts.storageBackend,
      etcdServers: opts.etcdServers,
      dataDir,
      prefix: opts.etcdPrefix,
      compactionIntervalMs: opts.etcdCompactionIntervalMs,
    },
    storageCodecFor(opts.storageMediaType, schemas),
  );
  const { storage, prefix } = opened;
  const { table, namespaces } = buildStores(storage, prefix);
  await ensureSystemNamespaces(namespaces);
  const controller = new NamespaceController(namespaces, () => table.all().filter((s) => s.info.namespaced));
  controller.start();

  const api = new ApiHandler(schemas, table);
  const storageCheck = { name: 'etcd', check: () => storage.healthCheck() };
  const ping = { name: 'ping', check: async () => undefined };
  const log_ = { name: 'log', check: async () => undefined };
  const nonResource = new NonResourceHandler({
    resources: () => table.resources(),
    serverAddress: `${opts.advertiseAddress}:${opts.securePort}`,
    openapi: createOpenApiProvider(schemas, () => table.resources()),
    healthChecks: {
      healthz: [ping, log_, storageCheck],
      livez: [ping, log_, storageCheck],
      readyz: [ping, log_, storageCheck],
    },
  });
  const app: FastifyInstance = buildApp({
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
    api,
    nonResource,
  });
  await app.listen({ port: opts.securePort, host: opts.bindAddress });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.securePort;
  const host = opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = path.join(dataDir, 'admin.kubeconfig');
  await writeKubeconfig(kubeconfigPath, {
    server: url,
    caPem: pki.caCertPem,
    clientCertPem: pki.adminCertPem,
    clientKeyPem: pki.adminKeyPem,
  });
  log(`kapi ready: serving on ${url} (storage ${opts.storageBackend}); kubeconfig: ${kubeconfigPath}`);
  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      controller.stop();
      await app.close();
      await storage.close();
    },
  };
}
