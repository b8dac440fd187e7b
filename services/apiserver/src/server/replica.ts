import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { resolveServingPki, writeKubeconfig } from '../certs';
import { prewarmRsaKeys } from '../certs/rsa-key-pool';
import { renderError } from '../endpoints/error-response';
import { enableOversizedCreateWorker } from '../endpoints/oversized-worker';
import { ApiRouter } from '../endpoints/router';
import type { ServerOptions } from '../options';
import { firstServiceIP } from '../options-values';
import { makeStore, type StoreDeps } from '../registry/store-factory';
import { BUILTIN_KINDS } from '../registry/kinds';
import { loadSchemaSet } from '../schema/load';
import { ExtensibleSchemaSet } from '../schema/extensible';
import { CustomResourceServing } from '../registry/customresources/crd-serving';
import { storageCodecFor } from '../storage/protobuf-codec';
import { createCacheItemCodec } from '../storage/cache-item-codec';
import { createCacher } from '../storage/cacher';
import { openStorage } from '../storage/factory';
import { buildApp } from './app';
import { buildHandlerChain } from './handler-chain';
import { startFlowControl } from './flow-control';
import { buildAuditing } from '../audit';
import { startClusterComponents } from '../controllers';
import { StoreTable } from '../registry/store-table';
import { NamespaceStore } from '../registry/namespaces/namespace-store';
import { ensureSystemNamespaces, namespaceGate } from '../admission/namespace-lifecycle';
import { AdmissionChain, buildAdmissionPlugins, enabledPluginNames } from '../admission/chain';
import { NonResourceHandler } from './non-resource';
import { createOpenApiProvider } from './openapi-provider';
import { ServerLifecycle } from './lifecycle';
import { newSecurityServices } from '../registry/security';
import { issuerDiscoveryDocuments } from './issuer-discovery';
import { ensureBootstrapPolicy } from './rbac-bootstrap';
import { ensureSystemPriorityClasses } from './system-priority-classes';
import { startSecurity } from './security';
import { setAllowPrivileged } from '../registry/strategies/pod-security-context-validation';
import { ReplicaMetrics } from '../metrics/replica-metrics';
import { wireReplicaMetrics } from '../metrics/wiring';
import { readTracingConfig } from '../tracing/config';
import { tracedAdmission, tracedBackend, tracedStorage } from '../tracing/decorators';
import { Logger } from '../logging/logger';
import { lineLog, logWarning, type LineLog } from '../logging/line-log';
import { AggregatorProxy } from '../aggregator/proxy';
import { RemoteOpenApi } from '../aggregator/remote-openapi';
import { loadProxyClientCert } from '../aggregator/transport';
import { loadKubeletClientConfig } from '../proxy/locations';
import { ProxySubresources } from '../proxy/subresource';

/** How long a stopping replica waits for requests in flight (upstream's request timeout is 60 s). */
export const IN_FLIGHT_GRACE_MS = 60_000;

export interface RunningReplica {
  url: string;
  port: number;
  /** The admin kubeconfig; '' when kapi has no CA key to sign an admin certificate with. */
  kubeconfigPath: string;
  /** What /metrics serves; the audit filter reports its events through observeAuditEvent. */
  metrics: ReplicaMetrics;
  /**
   * Graceful stop: /readyz fails at once, serving goes on for
   * --shutdown-delay-duration, then new connections are refused, watches are
   * ended, requests in flight finish, the cluster components give up their
   * leases, and storage closes.
   */
  stop(): Promise<void>;
}

/** How many RSA keys this start will generate: the PKI's and the service-account key that are missing. */
function missingKeyCount(opts: ServerOptions, certDir: string): number {
  const pkiKeys = opts.tlsCertFile ? [] : ['ca.key', 'apiserver.key', 'admin.key'];
  const saKeys = opts.serviceAccountSigningKeyFile ? [] : ['sa.key'];
  return [...pkiKeys, ...saKeys].filter((f) => !existsSync(path.join(certDir, f))).length;
}

/** How long start-up waits for the watch caches' first lists (the cacher's own wait for a starting cache). */
const CACHE_START_WAIT_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function buildStores(
  deps: Omit<StoreDeps, 'namespaceGate'>,
  table: StoreTable,
): { table: StoreTable; namespaces: NamespaceStore; deps: StoreDeps } {
  let namespaces: NamespaceStore | undefined;
  const full: StoreDeps = { ...deps, namespaceGate: namespaceGate(() => namespaces) };
  for (const def of BUILTIN_KINDS) {
    const store = makeStore(def, full);
    if (store instanceof NamespaceStore) namespaces = store;
    table.add(store);
  }
  if (!namespaces) throw new Error('namespaces resource is not registered');
  return { table, namespaces, deps: full };
}

/** Where a replica's lines go: a Logger (stderr by default), and the ready lines for whoever started it. */
export interface ReplicaOutput {
  logger?: Logger;
  /** the "kapi ready: serving on ..." lines (main prints them plain on stdout); default: the log */
  announce?: LineLog;
}

export async function startReplica(
  opts: ServerOptions,
  givenLog?: LineLog,
  output: ReplicaOutput = {},
): Promise<RunningReplica> {
  // a caller's own log function receives the formatted lines too, httplog's among them
  const logger =
    output.logger ??
    (givenLog ? new Logger(opts.logging, { write: (l) => givenLog(l.replace(/\n$/, '')) }) : new Logger(opts.logging));
  const log = givenLog ?? lineLog(logger);
  const announce = output.announce ?? log;
  const dataDir = path.resolve(opts.dataDir);
  // the data dir holds the store (Secrets among it) and keys: owner only
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const hosts = [opts.bindAddress, opts.advertiseAddress, firstServiceIP(opts.serviceClusterIPRange)].filter(
    (h) => h && h !== '0.0.0.0' && h !== '::',
  );
  const certDirPath = path.resolve(opts.certDir || path.join(dataDir, 'pki'));
  // keys a fresh data dir needs are made on the thread pool while the schemas load here
  const keysToMake = missingKeyCount(opts, certDirPath);
  const keysMade = prewarmRsaKeys(keysToMake);
  // custom resource versions add their messages at run time
  const schemas = new ExtensibleSchemaSet(loadSchemaSet());
  const metrics = new ReplicaMetrics();
  // an audit policy that does not load stops the start before anything is opened
  const auditing = buildAuditing(opts.audit, schemas, log, (level) => metrics.observeAuditEvent(level));
  const tracingConfig = opts.tracingConfigFile ? readTracingConfig(opts.tracingConfigFile) : undefined;
  const resolvePki = () =>
    resolveServingPki({
      certDir: certDirPath,
      tlsCertFile: opts.tlsCertFile,
      tlsPrivateKeyFile: opts.tlsPrivateKeyFile,
      clientCaFile: opts.clientCaFile,
      hosts,
      log,
    });
  // A PKI to generate: storage and the stores start while the thread pool makes its keys (the
  // PKI is first needed by authentication). Otherwise files are checked before storage opens.
  const pkiMade = keysToMake > 0 && !opts.tlsCertFile ? keysMade.then(resolvePki) : Promise.resolve(await resolvePki());
  // both awaited below; a failure meanwhile must not count as an unhandled rejection
  keysMade.catch(() => undefined);
  pkiMade.catch(() => undefined);
  const wiring = wireReplicaMetrics(metrics);
  // the providers (gRPC for KMS among them) are loaded only by a replica that encrypts
  const encryption = opts.encryptionProviderConfig
    ? await (
        await import('./encryption-at-rest')
      ).startEncryptionAtRest(opts.encryptionProviderConfig, opts.etcdPrefix || '/registry')
    : undefined;
  const opened = await openStorage(
    {
      backend: opts.storageBackend,
      etcdServers: opts.etcdServers,
      dataDir,
      prefix: opts.etcdPrefix,
      compactionIntervalMs: opts.etcdCompactionIntervalMs,
      transformerForKey: encryption?.transformerForKey,
      wrapBackend: wiring.wrapBackend,
      wrapStoreBackend: tracingConfig ? tracedBackend : undefined,
    },
    storageCodecFor(opts.storageMediaType, schemas),
  );
  const { prefix, backend } = opened;
  // one cacher per resource, each registered by the store factory as it builds the kind's store
  const cacher =
    opts.defaultWatchCacheSize > 0
      ? createCacher(opened.storage, {
          prefixes: [],
          watchCacheSize: opts.defaultWatchCacheSize,
          backend,
          // upstream sizes its ring by time and rarely answers 410 to a recent revision;
          // a fixed ring instead hands older-but-uncompacted watches to etcd
          tooOldWatch: 'storage',
          // packed as storage keeps them: protobuf for built-in kinds unless storage is JSON
          itemCodec: createCacheItemCodec(opts.storageMediaType === 'application/json' ? undefined : schemas),
        })
      : undefined;
  const storage = cacher ?? opened.storage;
  const services = newSecurityServices();
  // the stores call it from the start; its plugins come once the stores and the authorizer exist
  const admission = new AdmissionChain();
  // the SDK is loaded only by a replica that traces: one that does not pays nothing for it
  const tracing = tracingConfig ? (await import('../tracing/provider')).startReplicaTracing(tracingConfig) : undefined;
  const storeTable = new StoreTable();
  wiring.serve(storeTable, cacher);
  const {
    table,
    namespaces,
    deps: storeDeps,
  } = buildStores(
    {
      admission: tracing ? tracedAdmission(admission) : admission,
      security: services,
      storage: tracing ? tracedStorage(storage, cacher !== undefined) : storage,
      backend,
      prefix,
      serviceClusterIPRange: opts.serviceClusterIPRange,
      serviceNodePortRange: opts.serviceNodePortRange,
      watchCache: cacher,
    },
    storeTable,
  );
  // each cache is listing already; a resource slow to start serves from etcd meanwhile
  await cacher?.ready(CACHE_START_WAIT_MS);
  for (const store of table.all()) store.enableFieldManagement(schemas);
  const customResources = new CustomResourceServing(table, storeDeps, schemas, log);
  await customResources.start(CACHE_START_WAIT_MS);
  enableOversizedCreateWorker({ storageMediaType: opts.storageMediaType });
  setAllowPrivileged(opts.allowPrivileged);
  const bootstrap = async (): Promise<void> => {
    await ensureSystemNamespaces(namespaces);
    await ensureBootstrapPolicy(table);
    await ensureSystemPriorityClasses(table);
  };
  await (backend.startupWrites ? backend.startupWrites(bootstrap) : bootstrap());
  const pki = await pkiMade;
  // the service-account key, when one is made, comes from the same pool
  await keysMade;
  const security = startSecurity({
    opts,
    table,
    clientCaPem: pki.clientCaPem,
    certDir: certDirPath,
    services,
    log,
    observeDecision: wiring.observeDecision,
  });
  await security.synced;
  admission.setPlugins(
    buildAdmissionPlugins(enabledPluginNames(opts.enableAdmissionPlugins, opts.disableAdmissionPlugins), {
      table,
      authorizer: security.authorizer,
      opts,
      storage,
      backend,
      prefix,
      log,
      observeWebhook: wiring.webhook,
    }),
  );
  await admission.synced();
  admission.setObserver(wiring.admission);

  const api = new ApiRouter(schemas, table);
  const proxyClientCert = loadProxyClientCert(opts.proxyClientCertFile, opts.proxyClientKeyFile);
  const aggregator = new AggregatorProxy(table, proxyClientCert, log);
  aggregator.start();
  const remoteOpenApi = new RemoteOpenApi(table, proxyClientCert, () => aggregator.remoteApiServices(), log);
  remoteOpenApi.start();
  const render = (e: unknown, accept: string | undefined) => renderError(schemas, e, accept);
  const storageCheck = { name: 'etcd', check: () => storage.healthCheck() };
  const ping = { name: 'ping', check: async () => undefined };
  const log_ = { name: 'log', check: async () => undefined };
  let shuttingDown = false;
  // upstream's readyz reports "[-]shutdown failed" from the moment termination starts
  const shutdownCheck = {
    name: 'shutdown',
    check: async () => {
      if (shuttingDown) throw new Error('process is shutting down');
    },
  };
  const kmsChecks = encryption?.healthChecks ?? [];
  const readyz = [ping, log_, storageCheck, ...kmsChecks];
  const nonResource = new NonResourceHandler({
    // remote APIServices' groups join the built-in and CRD ones in both discovery forms
    resources: () => [...table.resources(), ...aggregator.remoteResources()],
    serverAddress: `${opts.advertiseAddress}:${opts.securePort}`,
    openapi: createOpenApiProvider(
      schemas,
      () => table.resources(),
      () => remoteOpenApi.specs(),
    ),
    documents: issuerDiscoveryDocuments(opts, security.keys),
    metrics,
    healthChecks: {
      healthz: [ping, log_, storageCheck, ...kmsChecks],
      livez: [ping, log_, storageCheck],
      readyz,
    },
  });
  const lifecycle = new ServerLifecycle();
  const flowControlStop = new AbortController();
  const flowControl = startFlowControl(opts, table, flowControlStop.signal, log, metrics);
  const handler = buildHandlerChain({
    api,
    nonResource,
    lifecycle,
    render,
    goawayChance: opts.goawayChance,
    log,
    logger,
    authenticator: wiring.authenticator(security.authenticator),
    authorizer: security.authorizer,
    auditing,
    metrics: wiring.requestFilter,
    tracing,
    flowControl,
    maxInFlight: { readOnly: opts.maxRequestsInflight, mutating: opts.maxMutatingRequestsInflight },
    aggregator,
    proxySubresources: new ProxySubresources(table, loadKubeletClientConfig(opts.kubelet)),
  });
  const app: FastifyInstance = buildApp({
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.clientCaPem },
    handler,
    render,
    lifecycle,
  });
  await app.listen({ port: opts.securePort, host: opts.bindAddress });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.securePort;
  const host = opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // kubectl would prompt for a password given a kubeconfig without credentials, so none is written then
  const kubeconfigPath = pki.admin ? path.join(dataDir, 'admin.kubeconfig') : '';
  if (pki.admin) {
    await writeKubeconfig(kubeconfigPath, {
      server: url,
      caPem: pki.clusterCaPem,
      clientCertPem: pki.admin.certPem,
      clientKeyPem: pki.admin.keyPem,
    });
  } else {
    // one left by an earlier start may trust another CA
    rmSync(path.join(dataDir, 'admin.kubeconfig'), { force: true });
  }
  const cluster = await startClusterComponents({
    opts,
    storage,
    backend,
    prefix,
    table,
    namespaces,
    caCertPem: pki.clusterCaPem,
    signer: pki.signer,
    port: () => port,
    log,
  });
  readyz.push(...cluster.readyChecks, shutdownCheck);
  announce(
    `kapi ready: serving on ${url} (storage ${opts.storageBackend}); kubeconfig: ${kubeconfigPath || 'none (no admin certificate)'}`,
  );
  if (kubeconfigPath) announce(`point kubectl at it with: export KUBECONFIG=${kubeconfigPath}`);
  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    metrics,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      shuttingDown = true;
      if (opts.shutdownDelayDurationMs > 0) {
        log(`kapi: not ready; serving for another ${opts.shutdownDelayDurationMs} ms (--shutdown-delay-duration)`);
        await sleep(opts.shutdownDelayDurationMs);
      }
      lifecycle.beginDrain(app.server as unknown as Server);
      const watches = lifecycle.endWatches();
      const inFlight = lifecycle.inFlightCount;
      log(`kapi: listener closed; ended ${watches} watches; waiting for ${inFlight} requests in flight`);
      if (!(await lifecycle.waitForInFlight(IN_FLIGHT_GRACE_MS))) {
        logWarning(
          log,
          `kapi: ${lifecycle.inFlightCount} requests still in flight after ${IN_FLIGHT_GRACE_MS} ms; closing anyway`,
        );
      }
      await cluster.stop();
      await aggregator.stop();
      await remoteOpenApi.stop();
      await customResources.stop();
      flowControlStop.abort();
      await admission.close();
      lifecycle.destroyAll();
      await app.close();
      security.stop();
      cacher?.stop();
      await opened.storage.close();
      encryption?.stop();
      await auditing?.backend.shutdown();
      await tracing?.shutdown();
    },
  };
}
