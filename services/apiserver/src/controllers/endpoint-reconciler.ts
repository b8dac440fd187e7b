import { randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import { isStorageError } from '../storage/errors';
import type { Storage, Watcher } from '../storage/interface';
import type { StoreTable } from '../registry/store-table';
import { errorText, isStatus, sleep, timeNow } from './util';
import { logError } from '../logging/line-log';

/** Upstream's DefaultEndpointReconcilerInterval and DefaultEndpointReconcilerTTL. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 10_000;
export const DEFAULT_MASTER_LEASE_TTL_SECONDS = 15;

export const KUBERNETES_SERVICE = 'kubernetes';
export const DEFAULT_NAMESPACE = 'default';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

export interface MasterLease {
  ip: string;
  port: number;
}

export interface EndpointReconcilerOptions {
  storage: Storage;
  /** The etcd prefix (/registry); master leases live under <prefix>/masterleases/. */
  prefix: string;
  table: StoreTable;
  /** --advertise-address */
  ip: string;
  /** This replica's secure port. */
  port: number;
  /** First address of --service-cluster-ip-range. */
  serviceIP: string;
  intervalMs?: number;
  ttlSeconds?: number;
  log?: (line: string) => void;
}

/** One subset per distinct port, addresses sorted; subsets sorted by port. */
export function groupByPort(leases: MasterLease[]): Array<{ port: number; ips: string[] }> {
  const byPort = new Map<number, Set<string>>();
  for (const l of leases) {
    const set = byPort.get(l.port) ?? new Set<string>();
    set.add(l.ip);
    byPort.set(l.port, set);
  }
  return [...byPort.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([port, ips]) => ({ port, ips: [...ips].sort(compareIPs) }));
}

function compareIPs(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function endpointsSubsets(groups: Array<{ port: number; ips: string[] }>): KubeObject[] {
  return groups.map((g) => ({
    addresses: g.ips.map((ip) => ({ ip })),
    ports: [{ name: 'https', port: g.port, protocol: 'TCP' }],
  }));
}

/** What the reconciler compares: (port, sorted ips) per subset, ignoring defaulted fields. */
function subsetsKey(subsets: unknown): string {
  if (!Array.isArray(subsets)) return '[]';
  return JSON.stringify(
    subsets.map((s: { addresses?: Array<{ ip?: string }>; ports?: Array<{ name?: string; port?: number }> }) => [
      (s.ports ?? []).map((p) => [p.name ?? '', p.port ?? 0]),
      (s.addresses ?? []).map((a) => a.ip ?? ''),
    ]),
  );
}

function sliceKey(slice: KubeObject): string {
  const endpoints = Array.isArray(slice.endpoints) ? (slice.endpoints as Array<{ addresses?: string[] }>) : [];
  const ports = Array.isArray(slice.ports) ? (slice.ports as Array<{ name?: string; port?: number }>) : [];
  return JSON.stringify([
    slice.addressType ?? '',
    ports.map((p) => [p.name ?? '', p.port ?? 0]),
    endpoints.map((e) => e.addresses ?? []),
    slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '',
  ]);
}

/**
 * Upstream's lease endpoint reconciler (--endpoint-reconciler-type=lease). Every
 * replica keeps a master lease, an Endpoints object at <prefix>/masterleases/<ip>
 * (kapi: <ip>:<port>, so replicas sharing an IP are told apart) written with a
 * 15 s TTL and rewritten every 10 s, and reconciles default/kubernetes (Service,
 * Endpoints, EndpointSlice) from the set of live leases. Besides the interval,
 * a watch on the lease prefix reconciles as soon as a lease appears or expires.
 *
 * Replicas normally share one secure port; if they do not, the Endpoints get
 * one subset per port and one EndpointSlice per port (`kubernetes` for the
 * lowest, `kubernetes-<port>` for the others), and the Service's targetPort is
 * the lowest port, so every replica computes the same objects.
 */
export class LeaseEndpointReconciler {
  private readonly intervalMs: number;
  private readonly ttlSeconds: number;
  private readonly log: (line: string) => void;
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  private watchLoop: Promise<void> | undefined;
  private watcher: Watcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private removing = false;

  constructor(private readonly opts: EndpointReconcilerOptions) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_MASTER_LEASE_TTL_SECONDS;
    this.log = opts.log ?? (() => undefined);
  }

  private get leasePrefix(): string {
    return `${this.opts.prefix}/masterleases/`;
  }

  private get leaseKey(): string {
    const host = isIPv6(this.opts.ip) ? `[${this.opts.ip}]` : this.opts.ip;
    return `${this.leasePrefix}${host}:${this.opts.port}`;
  }

  async start(): Promise<void> {
    await this.tick();
    const signal = this.stopSignal.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        await sleep(this.intervalMs, signal);
        if (!signal.aborted) await this.tick();
      }
    })();
    this.watchLoop = this.watchLeases(signal);
  }

  /** Graceful stop: drop this replica's lease and take it out of the Endpoints at once. */
  async stop(): Promise<void> {
    this.removing = true;
    this.stopSignal.abort();
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.stop();
    await Promise.all([this.loop, this.watchLoop, this.reconciling]);
    try {
      await this.opts.storage.delete(this.leaseKey);
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound')) logError(this.log, `endpoint reconciler: ${errorText(e)}`);
    }
    try {
      await this.reconcile();
    } catch (e) {
      logError(this.log, `endpoint reconciler: ${errorText(e)}`);
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.refreshLease();
    } catch (e) {
      logError(this.log, `endpoint reconciler: lease refresh failed: ${errorText(e)}`);
    }
    this.schedule(0);
  }

  /** The TTL is fixed when a key is created, so a refresh writes the lease anew. */
  private async refreshLease(): Promise<void> {
    const { storage, ip, port } = this.opts;
    const obj: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: this.leaseKey.slice(this.leasePrefix.length) },
      subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    };
    try {
      await storage.delete(this.leaseKey);
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound')) throw e;
    }
    try {
      await storage.create(this.leaseKey, obj, { ttlSeconds: this.ttlSeconds });
    } catch (e) {
      if (!isStorageError(e, 'KeyExists')) throw e;
    }
  }

  private async watchLeases(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const rev = await this.opts.storage.currentRevision();
        this.watcher = await this.opts.storage.watch(this.leasePrefix, { resourceVersion: String(rev) });
        if (signal.aborted) this.watcher.stop();
        for await (const ev of this.watcher) {
          if (ev.type === 'ADDED' || ev.type === 'DELETED' || ev.type === 'MODIFIED') this.schedule(250);
        }
      } catch (e) {
        if (!signal.aborted) logError(this.log, `endpoint reconciler: lease watch: ${errorText(e)}`);
      }
      await sleep(1000, signal);
    }
  }

  /** Coalesces reconciles; the delay lets a lease's delete-and-create refresh settle. */
  private schedule(delayMs: number): void {
    if (this.stopSignal.signal.aborted || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.reconciling = this.reconciling.then(async () => {
        try {
          await this.reconcile();
        } catch (e) {
          logError(this.log, `endpoint reconciler: ${errorText(e)}`);
          if (!this.stopSignal.signal.aborted) this.schedule(1000);
        }
      });
    }, delayMs);
  }

  async liveLeases(): Promise<MasterLease[]> {
    const list = await this.opts.storage.list(this.leasePrefix);
    const out: MasterLease[] = [];
    for (const item of list.items) {
      const subset = Array.isArray(item.subsets) ? (item.subsets[0] as KubeObject | undefined) : undefined;
      const ip = (subset?.addresses as Array<{ ip?: string }> | undefined)?.[0]?.ip;
      // leases written by kube-apiserver carry no port: they share this replica's
      const port = (subset?.ports as Array<{ port?: number }> | undefined)?.[0]?.port ?? this.opts.port;
      if (ip) out.push({ ip, port });
    }
    if (!this.removing && !out.some((l) => l.ip === this.opts.ip && l.port === this.opts.port)) {
      out.push({ ip: this.opts.ip, port: this.opts.port });
    }
    return out;
  }

  async reconcile(): Promise<void> {
    const groups = groupByPort(await this.liveLeases());
    const { table } = this.opts;
    const services = table.store('', 'v1', 'services');
    const endpoints = table.store('', 'v1', 'endpoints');
    const slices = table.store('discovery.k8s.io', 'v1', 'endpointslices');
    if (services && groups.length > 0) await this.reconcileService(services, groups[0].port);
    if (endpoints) await this.reconcileEndpoints(endpoints, groups);
    if (slices) await this.reconcileSlices(slices, groups);
  }

  private async reconcileService(store: GenericStore, targetPort: number): Promise<void> {
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort }];
    const labels = { component: 'apiserver', provider: 'kubernetes' };
    let current: KubeObject;
    try {
      current = await store.get(DEFAULT_NAMESPACE, KUBERNETES_SERVICE);
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      const ip = this.opts.serviceIP;
      try {
        await store.create(DEFAULT_NAMESPACE, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: KUBERNETES_SERVICE, namespace: DEFAULT_NAMESPACE, labels },
          spec: {
            type: 'ClusterIP',
            clusterIP: ip,
            clusterIPs: [ip],
            ipFamilies: [isIPv6(ip) ? 'IPv6' : 'IPv4'],
            ipFamilyPolicy: 'SingleStack',
            ports,
            sessionAffinity: 'None',
          },
        });
      } catch (err) {
        if (!isStatus(err, 409)) throw err;
      }
      return;
    }
    const spec = (current.spec ?? {}) as { ports?: Array<Record<string, unknown>> };
    const have = (spec.ports ?? []).map((p) => [p.name, p.port, p.protocol ?? 'TCP', p.targetPort]);
    const want = ports.map((p) => [p.name, p.port, p.protocol, p.targetPort]);
    const labelsOk = current.metadata?.labels?.component === 'apiserver';
    if (JSON.stringify(have) === JSON.stringify(want) && labelsOk) return;
    await store.updateWith(DEFAULT_NAMESPACE, KUBERNETES_SERVICE, (cur) => ({
      ...cur,
      metadata: { ...(cur.metadata ?? {}), labels: { ...(cur.metadata?.labels ?? {}), ...labels } },
      spec: { ...((cur.spec as Record<string, unknown>) ?? {}), ports },
    }));
  }

  private async reconcileEndpoints(store: GenericStore, groups: Array<{ port: number; ips: string[] }>): Promise<void> {
    const subsets = endpointsSubsets(groups);
    const labels = { [SKIP_MIRROR_LABEL]: 'true' };
    let current: KubeObject;
    try {
      current = await store.get(DEFAULT_NAMESPACE, KUBERNETES_SERVICE);
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      await this.systemCreate(store, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: KUBERNETES_SERVICE, namespace: DEFAULT_NAMESPACE, labels },
        ...(subsets.length > 0 ? { subsets } : {}),
      });
      return;
    }
    const labelsOk = current.metadata?.labels?.[SKIP_MIRROR_LABEL] === 'true';
    if (subsetsKey(current.subsets) === subsetsKey(subsets) && labelsOk) return;
    await this.systemUpdate(store, KUBERNETES_SERVICE, (cur) => {
      const next: KubeObject = {
        ...cur,
        metadata: { ...(cur.metadata ?? {}), labels: { ...(cur.metadata?.labels ?? {}), ...labels } },
        subsets,
      };
      if (subsets.length === 0) delete next.subsets;
      return next;
    });
  }

  /**
   * The Endpoints and EndpointSlices of default/kubernetes are the server's own
   * objects, written without the API's validation: advertise addresses on
   * loopback (local clusters, tests) are refused for user-written endpoints.
   */
  private async systemCreate(store: GenericStore, obj: KubeObject): Promise<void> {
    const m = obj.metadata ?? {};
    const stored: KubeObject = {
      ...obj,
      metadata: { ...m, uid: randomUUID(), creationTimestamp: timeNow() },
    };
    try {
      await this.opts.storage.create(store.key(m.namespace ?? '', m.name ?? ''), stored);
    } catch (e) {
      if (!isStorageError(e, 'KeyExists')) throw e;
    }
  }

  private async systemUpdate(
    store: GenericStore,
    name: string,
    mutate: (cur: KubeObject) => KubeObject,
  ): Promise<void> {
    await store.updateWith(DEFAULT_NAMESPACE, name, mutate, { systemWrite: true });
  }

  private desiredSlices(groups: Array<{ port: number; ips: string[] }>): KubeObject[] {
    const shaped = groups.length > 0 ? groups : [{ port: 0, ips: [] as string[] }];
    return shaped.map((g, i) => {
      const v6 = g.ips.length > 0 && g.ips.every((ip) => isIPv6(ip));
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: i === 0 ? KUBERNETES_SERVICE : `${KUBERNETES_SERVICE}-${g.port}`,
          namespace: DEFAULT_NAMESPACE,
          labels: { [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE },
        },
        addressType: v6 ? 'IPv6' : 'IPv4',
        endpoints: g.ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      };
      if (g.port > 0) slice.ports = [{ name: 'https', port: g.port, protocol: 'TCP' }];
      return slice;
    });
  }

  private async reconcileSlices(store: GenericStore, groups: Array<{ port: number; ips: string[] }>): Promise<void> {
    const desired = this.desiredSlices(groups);
    const names = new Set(desired.map((s) => s.metadata?.name ?? ''));
    for (const slice of desired) {
      const name = slice.metadata?.name ?? '';
      let current: KubeObject | undefined;
      try {
        current = await store.get(DEFAULT_NAMESPACE, name);
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
      }
      if (!current) {
        await this.systemCreate(store, slice);
        continue;
      }
      if (sliceKey(current) === sliceKey(slice)) continue;
      await this.systemUpdate(store, name, (cur) => {
        const next: KubeObject = {
          ...cur,
          metadata: {
            ...(cur.metadata ?? {}),
            labels: { ...(cur.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE },
          },
          addressType: slice.addressType,
          endpoints: slice.endpoints,
        };
        if (slice.ports) next.ports = slice.ports;
        else delete next.ports;
        return next;
      });
    }
    // slices of ports no replica serves any more
    const list = await store.list(DEFAULT_NAMESPACE, {
      labelMatch: (labels) => labels?.[SERVICE_NAME_LABEL] === KUBERNETES_SERVICE,
    });
    for (const item of (list.items as KubeObject[]) ?? []) {
      const name = item.metadata?.name ?? '';
      if (names.has(name) || !name.startsWith(`${KUBERNETES_SERVICE}-`)) continue;
      try {
        await store.delete(DEFAULT_NAMESPACE, name, { preconditions: { uid: item.metadata?.uid } });
      } catch (e) {
        if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
      }
    }
  }
}
