import type { ServerOptions } from '../options';
import { firstServiceIP } from '../options-values';
import { repairAllocators } from '../registry/services/repair';
import type { Backend } from '../storage/backend';
import type { Storage } from '../storage/interface';
import type { SigningCa } from '../certs/csr';
import { ClusterRoleAggregationController } from './clusterrole-aggregation';
import { CsrSigningController } from './csr-signing';
import { CrdFinalizerController } from './crd-finalizer';
import { CrdNamingController } from './crd-naming';
import { NamespaceController } from './namespace-controller';
import type { NamespaceStore } from '../registry/namespaces/namespace-store';
import type { StoreTable } from '../registry/store-table';
import { AllocatorRepair } from './allocator-repair';
import { ApfConfigurationController } from './apf-configuration';
import { AutoRegisterController, autoregisterCompletion, type GroupVersion } from '../aggregator/autoregister';
import { AvailabilityController } from '../aggregator/availability';
import { loadProxyClientCert } from '../aggregator/transport';
import { BUILTIN_RESOURCES } from '../registry/kinds';
import { ControllerManager } from './controller-manager';
import { LeaseEndpointReconciler } from './endpoint-reconciler';
import { GarbageCollector } from './garbage-collector';
import { IdentityLease, IdentityLeaseGC, replicaIdentity } from './identity';
import { rootCAPublisher, serviceAccountController } from './namespace-defaults';
import { ResourceQuotaController } from './resource-quota-controller';
import { SystemNamespacesController } from './system-namespaces';
import { controllerEnabled, type SelectableController } from './selection';
import type { LeaderController } from './util';

export { ControllerManager, CONTROLLER_LEASE_NAME, CONTROLLER_LEASE_NAMESPACE } from './controller-manager';
export { LeaderElector } from './leader-election';
export { GarbageCollector } from './garbage-collector';
export { IdentityLease, IdentityLeaseGC, replicaIdentity } from './identity';
export { LeaseEndpointReconciler } from './endpoint-reconciler';

export interface ClusterContext {
  opts: ServerOptions;
  storage: Storage;
  backend: Backend;
  prefix: string;
  table: StoreTable;
  namespaces: NamespaceStore;
  /** PEM of the cluster CA, for the kube-root-ca.crt ConfigMaps */
  caCertPem: string;
  /** The CA approved CSRs are signed with; no signing controller without one */
  signer?: SigningCa;
  /** This replica's secure port once listening */
  port: () => number;
  log: (line: string) => void;
}

export interface ClusterComponents {
  /** Readiness checks the components add to /readyz, e.g. the identity lease. */
  readyChecks: Array<{ name: string; check(): Promise<void> }>;
  /** Called first on SIGTERM (give up leadership, drop the identity lease). */
  stop(): Promise<void>;
}

const BUILTIN_GROUP_VERSIONS = new Set(BUILTIN_RESOURCES.map((r) => `${r.group}/${r.version}`));

/** The built-in group/versions this replica serves (CRDs are registered on their own). */
function servedBuiltinGroupVersions(table: StoreTable): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const s of table.all()) {
    const key = `${s.info.group}/${s.info.version}`;
    if (BUILTIN_GROUP_VERSIONS.has(key)) seen.set(key, { group: s.info.group, version: s.info.version });
  }
  return [...seen.values()];
}

/** ClusterIP and NodePort allocator repair over this replica's storage (registry/services). */
function allocatorRepair(ctx: ClusterContext): () => Promise<void> {
  const deps = {
    storage: ctx.storage,
    prefix: ctx.prefix,
    serviceClusterIPRange: ctx.opts.serviceClusterIPRange,
    serviceNodePortRange: ctx.opts.serviceNodePortRange,
  };
  return async () => {
    const r = await repairAllocators(deps);
    const fixed = [...r.ips.repaired, ...r.ips.released, ...r.nodePorts.repaired, ...r.nodePorts.released];
    if (fixed.length > 0) ctx.log(`allocator repair: fixed ${fixed.join(', ')}`);
  };
}

/**
 * Everything a replica runs besides serving requests. On every replica: the
 * identity Lease and the lease endpoint reconciler of default/kubernetes. On the
 * elected leader only: namespace deletion, re-creation of
 * missing system namespaces, garbage collection, the default
 * ServiceAccount and kube-root-ca.crt in every namespace, allocator repair,
 * resource quota usage, the removal of expired identity leases and the API
 * Priority and Fairness bootstrap configuration. Started after the HTTP server listens.
 */
export async function startClusterComponents(ctx: ClusterContext): Promise<ClusterComponents> {
  const { opts, table, namespaces, log } = ctx;
  const leases = table.store('coordination.k8s.io', 'v1', 'leases');
  if (!leases) throw new Error('the coordination.k8s.io/v1 leases resource is not served');
  const identity = replicaIdentity({ advertiseAddress: opts.advertiseAddress, port: ctx.port() });

  const identityLease = new IdentityLease(leases, identity, {
    durationSeconds: opts.identityLeaseDurationSeconds,
    renewIntervalMs: opts.identityLeaseRenewIntervalSeconds * 1000,
    log,
  });
  await identityLease.start();

  let reconciler: LeaseEndpointReconciler | undefined;
  if (opts.endpointReconcilerType === 'lease') {
    reconciler = new LeaseEndpointReconciler({
      storage: ctx.storage,
      prefix: ctx.prefix,
      table,
      ip: opts.advertiseAddress,
      port: ctx.port(),
      serviceIP: firstServiceIP(opts.serviceClusterIPRange),
      log,
    });
    await reconciler.start();
  }

  const on = (name: SelectableController): boolean => controllerEnabled(opts.controllers, name);
  const controllers: LeaderController[] = [
    ...(on('namespace')
      ? [new NamespaceController(namespaces, () => table.all().filter((s) => s.info.namespaced && !s.virtual), log)]
      : []),
    new SystemNamespacesController(namespaces, log),
    ...(on('garbage-collector') ? [new GarbageCollector(table, { log })] : []),
    ...(on('serviceaccount')
      ? [serviceAccountController(namespaces, () => table.store('', 'v1', 'serviceaccounts'), log)]
      : []),
    ...(on('root-ca-certificate-publisher')
      ? [rootCAPublisher(namespaces, () => table.store('', 'v1', 'configmaps'), ctx.caCertPem, log)]
      : []),
    new IdentityLeaseGC(leases, opts.identityLeaseDurationSeconds * 1000, log),
    ...(on('clusterrole-aggregation')
      ? [
          new ClusterRoleAggregationController(
            () => table.store('rbac.authorization.k8s.io', 'v1', 'clusterroles'),
            log,
          ),
        ]
      : []),
    ...(on('resourcequota') ? [new ResourceQuotaController(table, { log })] : []),
    new ApfConfigurationController(
      () => table.store('flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations'),
      () => table.store('flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas'),
      log,
    ),
  ];
  const crds = () => table.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  controllers.push(new CrdNamingController(crds, log), new CrdFinalizerController(table, log));
  const apiServices = () => table.store('apiregistration.k8s.io', 'v1', 'apiservices');
  const builtinGroupVersions = () => servedBuiltinGroupVersions(table);
  controllers.push(
    new AutoRegisterController(apiServices, crds, builtinGroupVersions, log),
    new AvailabilityController(
      table,
      loadProxyClientCert(opts.proxyClientCertFile, opts.proxyClientKeyFile),
      3000,
      log,
    ),
  );
  controllers.push(new AllocatorRepair(allocatorRepair(ctx), undefined, log));
  if (ctx.signer && on('certificatesigningrequest-signing')) {
    const csrs = () => table.store('certificates.k8s.io', 'v1', 'certificatesigningrequests');
    controllers.push(new CsrSigningController(csrs, ctx.signer, log));
  }

  const manager = new ControllerManager({
    leases,
    identity: identity.holderIdentity,
    controllers,
    // an earlier process of this replica (same host, address and port, which this one now listens on) is gone
    isStaleHolder: (holder) => holder.startsWith(`${identity.leaseName}_`) && holder !== identity.holderIdentity,
    log,
  });
  manager.start();

  let stopped = false;
  return {
    readyChecks: [
      { name: 'identity-lease', check: () => identityLease.check() },
      { name: 'autoregister-completion', check: autoregisterCompletion(apiServices, builtinGroupVersions) },
    ],
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await manager.stop();
      await reconciler?.stop();
      await identityLease.stop();
    },
  };
}
