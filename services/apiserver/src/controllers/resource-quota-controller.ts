import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { podIsLive } from '../admission/resource-quota/pods';
import { isIgnoredResource } from '../admission/resource-quota/registry';
import { equalLists, parseResourceList, toRecord, type ResourceList } from '../admission/resource-quota/resource-list';
import { calculateUsage, type NamespaceLister } from '../admission/resource-quota/usage';
import type { Pod, ResourceQuota } from '../generated/k8s.io.api.core.v1';
import type { GenericStore } from '../registry/generic-store';
import type { StoreTable } from '../registry/store-table';
import { runInformer, WorkQueue } from './informer';
import { sleep, type LeaderController } from './util';

export interface ResourceQuotaControllerOptions {
  /** How often every quota is recounted (upstream's --resource-quota-sync-period; 5 minutes there). */
  resyncMs?: number;
  /**
   * How long a quota must go unchanged before usage lower than recorded is written:
   * admission charges the quota before the object is stored, so a recount right
   * after a charge may not see the object yet and must not give its charge away.
   */
  settleMs?: number;
  log?: (line: string) => void;
}

/** Resources whose updates can change what they use (a pod finishing, a claim growing, a service's type). */
const USAGE_CHANGING_UPDATES = new Set(['/pods', '/services', '/persistentvolumeclaims']);

/** A StatusError, so the store passes it through its update unchanged. */
class QuotaChanged extends StatusError {
  constructor() {
    super(409, 'Conflict', 'the quota was charged after it was counted');
  }
}

/**
 * Upstream's resource quota controller: status.hard follows spec.hard and
 * status.used is recounted from the stored objects when a quota is created or
 * its limits change, when a charged object is deleted (so usage is released),
 * and periodically. Runs on the leader only.
 */
export class ResourceQuotaController implements LeaderController {
  readonly name = 'resourcequota-controller';
  private tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;
  private readonly known = new Map<string, Set<string>>();
  private readonly resyncMs: number;
  private readonly settleMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly table: StoreTable,
    opts: ResourceQuotaControllerOptions = {},
  ) {
    this.resyncMs = opts.resyncMs ?? 5 * 60_000;
    this.settleMs = opts.settleMs ?? 2000;
    this.log = opts.log ?? (() => undefined);
  }

  start(signal: AbortSignal): void {
    const quotas = this.table.store('', 'v1', 'resourcequotas');
    if (!quotas) return;
    this.known.clear();
    const queue = new WorkQueue((key) => this.sync(quotas, key, signal), signal, this.log, 1000);
    this.queue = queue;
    this.tasks = [
      runInformer(
        quotas,
        signal,
        {
          onList: (items) => {
            this.known.clear();
            for (const q of items) this.remember(q, queue);
          },
          onEvent: (type, q) => {
            if (type === 'DELETED') {
              this.known.get(q.metadata?.namespace ?? '')?.delete(q.metadata?.name ?? '');
              this.enqueueNamespace(q.metadata?.namespace ?? '');
            } else if (type === 'ADDED' || needsSync(q as ResourceQuota)) this.remember(q, queue);
          },
        },
        this.log,
      ),
      ...this.replenishmentInformers(quotas, signal),
      this.resyncLoop(signal),
    ];
    queue.run(2);
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
  }

  private remember(q: KubeObject, queue: WorkQueue): void {
    const ns = q.metadata?.namespace ?? '';
    const names = this.known.get(ns) ?? new Set<string>();
    names.add(q.metadata?.name ?? '');
    this.known.set(ns, names);
    queue.add(`${ns}/${q.metadata?.name ?? ''}`);
  }

  private enqueueNamespace(ns: string): void {
    for (const name of this.known.get(ns) ?? []) this.queue?.add(`${ns}/${name}`);
  }

  /** Deletes (and usage-changing updates) of anything namespaced recount its namespace's quotas. */
  private replenishmentInformers(quotas: GenericStore, signal: AbortSignal): Promise<void>[] {
    const seen = new Set<string>();
    const stores = this.table.all().filter((s) => {
      const key = `${s.info.group}/${s.info.resource}`;
      if (!s.info.namespaced || s.virtual || s === quotas || seen.has(key)) return false;
      if (isIgnoredResource({ group: s.info.group, resource: s.info.resource })) return false;
      seen.add(key);
      return true;
    });
    return stores.map((s) => {
      const key = `${s.info.group}/${s.info.resource}`;
      return runInformer(
        s,
        signal,
        {
          onList: () => undefined,
          onEvent: (type, obj) => {
            const ns = obj.metadata?.namespace ?? '';
            if (type === 'DELETED') this.enqueueNamespace(ns);
            else if (type === 'MODIFIED' && USAGE_CHANGING_UPDATES.has(key)) {
              if (key !== '/pods' || !podIsLive(obj as Pod, Date.now())) this.enqueueNamespace(ns);
            }
          },
        },
        this.log,
      );
    });
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.resyncMs, signal);
      for (const ns of this.known.keys()) this.enqueueNamespace(ns);
    }
  }

  private lister(): NamespaceLister {
    return async (gr, namespace) => {
      const store = this.table.all().find((s) => s.info.group === gr.group && s.info.resource === gr.resource);
      if (!store || store.virtual) return undefined;
      const list = await store.list(namespace, {});
      return (list.items as KubeObject[] | undefined) ?? [];
    };
  }

  private async sync(quotas: GenericStore, key: string, signal: AbortSignal): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const q = await getOrUndefined(quotas, ns, name);
    if (!q) return;
    const rv = q.metadata?.resourceVersion ?? '';
    let used = await calculateUsage(q, this.lister(), Date.now());
    if (lowersRecorded(used, parseResourceList(q.status?.used))) {
      await sleep(this.settleMs, signal);
      if (signal.aborted) return;
      const again = await getOrUndefined(quotas, ns, name);
      if (!again || again.metadata?.resourceVersion !== rv) return void this.queue?.add(key);
      used = await calculateUsage(again, this.lister(), Date.now());
    }
    try {
      await quotas.updateWith(
        ns,
        name,
        (current) => {
          // a charge since the count may be for an object the count missed
          if (current.metadata?.resourceVersion !== rv) throw new QuotaChanged();
          const cur = current as ResourceQuota;
          const hard = cur.spec?.hard ?? {};
          const sameHard = equalLists(parseResourceList(hard), parseResourceList(cur.status?.hard));
          if (sameHard && equalLists(used, parseResourceList(cur.status?.used))) return current;
          return { ...current, status: { hard: { ...hard }, used: toRecord(used) } } as KubeObject;
        },
        { statusOnly: true, systemWrite: true },
      );
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) {
        // charged meanwhile: count again shortly, not in a tight loop while charges keep coming
        setTimeout(() => this.queue?.add(key), 200).unref();
        return;
      }
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }
}

/** Whether the quota's status does not yet reflect its spec (a new quota, or changed limits). */
function needsSync(q: ResourceQuota): boolean {
  const hard = parseResourceList(q.spec?.hard);
  if (!equalLists(hard, parseResourceList(q.status?.hard))) return true;
  const used = q.status?.used ?? {};
  return [...hard.keys()].some((k) => !(k in used));
}

function lowersRecorded(counted: ResourceList, recorded: ResourceList): boolean {
  for (const [k, v] of counted) {
    const r = recorded.get(k);
    if (r && v.nanos < r.nanos) return true;
  }
  return false;
}

async function getOrUndefined(store: GenericStore, ns: string, name: string): Promise<ResourceQuota | undefined> {
  try {
    return (await store.get(ns, name)) as ResourceQuota;
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return undefined;
    throw e;
  }
}
