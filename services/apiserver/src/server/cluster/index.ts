import type { ServerOptions } from '../../options';
import type { Backend } from '../../storage/backend';
import type { Storage } from '../../storage/interface';
import { NamespaceController } from '../namespace-controller';
import type { NamespaceStore } from '../namespace-store';
import type { StoreTable } from '../store-table';

export interface ClusterContext {
  opts: ServerOptions;
  storage: Storage;
  backend: Backend;
  prefix: string;
  table: StoreTable;
  namespaces: NamespaceStore;
  /** PEM of the cluster CA, for the kube-root-ca.crt ConfigMaps */
  caCertPem: string;
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

/**
 * Everything a replica runs besides serving requests: controllers, leases,
 * reconcilers. Started after the HTTP server listens.
 */
export async function startClusterComponents(ctx: ClusterContext): Promise<ClusterComponents> {
  const controller = new NamespaceController(ctx.namespaces, () => ctx.table.all().filter((s) => s.info.namespaced));
  controller.start();
  return {
    readyChecks: [],
    stop: async () => controller.stop(),
  };
}
