import type { KubeObject } from '../api/object';
import { isStatus, type LeaderController } from '../controllers/util';
import { runInformer, WorkQueue } from '../controllers/informer';
import type { CustomResourceDefinition } from '../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { APIService, APIServiceSpec } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { GenericStore } from '../registry/generic-store';
import { builtinPriority, CRD_PRIORITY } from './priorities';

export const AUTO_MANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';
/** Registered when the server starts; removed only by a later start that no longer serves it. */
export const MANAGED_ON_START = 'onstart';
/** Kept while something (a CRD) serves it, removed as soon as nothing does. */
export const MANAGED_CONTINUOUSLY = 'true';

const MANAGER = 'kube-apiserver';
const SYNC_KEY = 'all';

export interface GroupVersion {
  group: string;
  version: string;
}

export interface DesiredApiService {
  name: string;
  mode: typeof MANAGED_ON_START | typeof MANAGED_CONTINUOUSLY;
  spec: APIServiceSpec;
}

export function apiServiceName(gv: GroupVersion): string {
  return `${gv.version}.${gv.group}`;
}

/** Local APIServices for the built-in group/versions served and for every served CRD version. */
export function desiredApiServices(
  builtins: readonly GroupVersion[],
  crds: Iterable<CustomResourceDefinition>,
): Map<string, DesiredApiService> {
  const out = new Map<string, DesiredApiService>();
  for (const gv of builtins) {
    const p = builtinPriority(gv.group, gv.version);
    if (!p) continue;
    const spec = { group: gv.group, version: gv.version, groupPriorityMinimum: p.group, versionPriority: p.version };
    out.set(apiServiceName(gv), { name: apiServiceName(gv), mode: MANAGED_ON_START, spec });
  }
  for (const crd of crds) {
    const group = crd.spec?.group ?? '';
    // a terminating CRD is still served until its instances are gone, so it keeps its APIService
    if (group === '') continue;
    for (const v of crd.spec?.versions ?? []) {
      if (!v.served || !v.name) continue;
      const name = apiServiceName({ group, version: v.name });
      if (out.has(name)) continue;
      const spec = {
        group,
        version: v.name,
        groupPriorityMinimum: CRD_PRIORITY.group,
        versionPriority: CRD_PRIORITY.version,
      };
      out.set(name, { name, mode: MANAGED_CONTINUOUSLY, spec });
    }
  }
  return out;
}

/** Only the fields autoregister sets count: storage may spell absent ones as defaults. */
function sameLocalSpec(have: APIServiceSpec | undefined, want: APIServiceSpec): boolean {
  if (!have) return false;
  return (
    !have.service &&
    (have.group ?? '') === want.group &&
    have?.version === want.version &&
    have.groupPriorityMinimum === want.groupPriorityMinimum &&
    have.versionPriority === want.versionPriority &&
    !have.caBundle &&
    !have.insecureSkipTLSVerify
  );
}

function managedMode(svc: KubeObject): string | undefined {
  return svc.metadata?.labels?.[AUTO_MANAGED_LABEL];
}

/**
 * Upstream's autoregister and crdregistration controllers in one, on the leader:
 * keeps a Local APIService for each built-in group/version and each served CRD
 * version, leaving APIServices it does not manage alone.
 */
export class AutoRegisterController implements LeaderController {
  readonly name = 'autoregister-controller';
  private readonly tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;
  private readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly current = new Map<string, KubeObject>();
  private crdsListed = false;
  private apiServicesListed = false;
  /** onstart APIServices this server no longer serves go once, on the first complete sync. */
  private firstSyncDone = false;

  constructor(
    private readonly apiServices: () => GenericStore | undefined,
    private readonly crdStore: () => GenericStore | undefined,
    private readonly builtins: () => GroupVersion[],
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    const apiServices = this.apiServices();
    if (!apiServices) return;
    const queue = new WorkQueue(() => this.sync(apiServices), signal, this.log);
    this.queue = queue;
    const kick = (): void => queue.add(SYNC_KEY);
    const crdStore = this.crdStore();
    if (crdStore) {
      this.tasks.push(
        runInformer(
          crdStore,
          signal,
          mapInformer(this.crds, () => ((this.crdsListed = true), kick())),
          this.log,
        ),
      );
    } else this.crdsListed = true;
    this.tasks.push(
      runInformer(
        apiServices,
        signal,
        mapInformer(this.current, () => ((this.apiServicesListed = true), kick())),
        this.log,
      ),
    );
    queue.run(1);
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
  }

  private async sync(store: GenericStore): Promise<void> {
    // deciding before both lists arrived would delete what is still served
    if (!this.crdsListed || !this.apiServicesListed) return;
    const desired = desiredApiServices(this.builtins(), this.crds.values() as Iterable<CustomResourceDefinition>);
    // issued together, the creates of a fresh store share one commit
    await Promise.all([...desired.values()].map((want) => this.ensure(store, want)));
    for (const [name, svc] of this.current) {
      if (desired.has(name)) continue;
      const mode = managedMode(svc);
      const stale = mode === MANAGED_CONTINUOUSLY || (mode === MANAGED_ON_START && !this.firstSyncDone);
      if (stale) await this.remove(store, name);
    }
    this.firstSyncDone = true;
  }

  private async ensure(store: GenericStore, want: DesiredApiService): Promise<void> {
    const have = this.current.get(want.name);
    if (!have) {
      const obj: APIService = {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: want.name, labels: { [AUTO_MANAGED_LABEL]: want.mode } },
        spec: want.spec,
      };
      try {
        this.current.set(want.name, await store.create('', obj as KubeObject, { manager: MANAGER }));
      } catch (e) {
        if (!isStatus(e, 409)) throw e;
      }
      return;
    }
    // one a user made (no label) is theirs
    const mode = managedMode(have);
    if (mode === undefined) return;
    if (mode === want.mode && sameLocalSpec((have as APIService).spec, want.spec)) return;
    try {
      const r = await store.updateWith(
        '',
        want.name,
        (cur) => {
          const next = cur as APIService;
          next.metadata = { ...(next.metadata ?? {}) };
          next.metadata.labels = { ...(next.metadata.labels ?? {}), [AUTO_MANAGED_LABEL]: want.mode };
          next.spec = { ...want.spec };
          return next as KubeObject;
        },
        { manager: MANAGER },
      );
      this.current.set(want.name, r.object);
    } catch (e) {
      if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
    }
  }

  private async remove(store: GenericStore, name: string): Promise<void> {
    try {
      await store.delete('', name);
      this.current.delete(name);
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      this.current.delete(name);
    }
  }
}

/** Informer handlers that mirror a store into a map by name and call changed after each change. */
function mapInformer<T extends object>(into: Map<string, T>, changed: () => void): Parameters<typeof runInformer>[2] {
  return {
    onList: (items) => {
      into.clear();
      for (const o of items) into.set(o.metadata?.name ?? '', o as T);
      changed();
    },
    onEvent: (type, o) => {
      const name = o.metadata?.name ?? '';
      if (type === 'DELETED') into.delete(name);
      else into.set(name, o as T);
      changed();
    },
  };
}

/**
 * Upstream's autoregister-completion readiness check: not ready until an available
 * APIService exists for every built-in group/version served (whichever replica's
 * controller registered it), so a client that waited for /readyz finds them all.
 * Once it passed it stays passed, as upstream's boot-sequence checks do.
 */
export function autoregisterCompletion(
  apiServices: () => GenericStore | undefined,
  builtins: () => GroupVersion[],
): () => Promise<void> {
  let complete = false;
  return async () => {
    if (complete) return;
    const store = apiServices();
    if (!store) return;
    const list = await store.list('', { resourceVersion: '0' });
    const available = new Set<string>();
    for (const svc of (list.items as APIService[] | undefined) ?? []) {
      if (svc.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) {
        available.add(svc.metadata?.name ?? '');
      }
    }
    const missing = [...desiredApiServices(builtins(), []).keys()].filter((name) => !available.has(name));
    if (missing.length > 0) {
      throw new Error(`missing APIService: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
    }
    complete = true;
  };
}
