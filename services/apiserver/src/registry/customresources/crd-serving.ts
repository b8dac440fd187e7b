import type { KubeObject } from '../../api/object';
import { runInformer } from '../../controllers/informer';
import type { CustomResourceDefinition } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { ExtensibleSchemaSet } from '../../schema/extensible';
import type { StoreDeps } from '../kind';
import type { StoreTable } from '../store-table';
import { isCrdConditionTrue } from './crd-conditions';
import { customResourceStores } from './cr-stores';

interface Served {
  /** What the stores were built from; a change rebuilds them. */
  signature: string;
  keys: Array<{ group: string; version: string; resource: string }>;
}

/** The parts of a definition the served stores depend on. */
function signatureOf(crd: CustomResourceDefinition): string {
  return JSON.stringify([
    crd.metadata?.uid,
    crd.spec,
    crd.status?.acceptedNames,
    crd.metadata?.deletionTimestamp !== undefined,
  ]);
}

/**
 * Serves the custom resources of every established definition on this replica, from
 * a watch of the definitions, so a definition created through any replica is served
 * by all within moments and one deleted stops being served (upstream's crdHandler).
 */
export class CustomResourceServing {
  private readonly served = new Map<string, Served>();
  private readonly abort = new AbortController();
  private task: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: StoreTable,
    private readonly deps: StoreDeps,
    private readonly schemas: ExtensibleSchemaSet,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts watching; resolves once the definitions stored now are served (or after timeoutMs). */
  start(timeoutMs: number): Promise<void> {
    const crds = this.table.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!crds) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.task = runInformer(
        crds,
        this.abort.signal,
        {
          onList: (items) => {
            const present = new Set(items.map((o) => o.metadata?.name ?? ''));
            for (const name of [...this.served.keys()]) if (!present.has(name)) this.unserve(name);
            for (const o of items) this.sync(o);
            clearTimeout(timer);
            resolve();
          },
          onEvent: (type, o) => {
            if (type !== 'DELETED') return this.sync(o);
            this.unserve(o.metadata?.name ?? '');
            this.dropCache(o as CustomResourceDefinition);
          },
        },
        this.log,
      );
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.task;
  }

  private sync(obj: KubeObject): void {
    const crd = obj as CustomResourceDefinition;
    const name = crd.metadata?.name ?? '';
    if (!isCrdConditionTrue(crd, 'Established')) {
      this.unserve(name);
      return;
    }
    const signature = signatureOf(crd);
    if (this.served.get(name)?.signature === signature) return;
    this.unserve(name);
    try {
      const stores = customResourceStores(crd, this.deps, this.schemas, this.table);
      for (const s of stores) this.table.add(s);
      const keys = stores.map((s) => ({ group: s.info.group, version: s.info.version, resource: s.info.resource }));
      this.served.set(name, { signature, keys });
    } catch (e) {
      this.log(`custom resources of ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** A definition gone for good takes its objects' watch cache with it (its instances were deleted first). */
  private dropCache(crd: CustomResourceDefinition): void {
    const group = crd.spec?.group ?? '';
    const plural = crd.spec?.names?.plural ?? '';
    if (group && plural) this.deps.watchCache?.drop?.(`${this.deps.prefix}/${group}/${plural}`);
  }

  private unserve(name: string): void {
    const s = this.served.get(name);
    if (!s) return;
    this.served.delete(name);
    // requests already routed keep their store (and its message, which stays known); later ones find none
    for (const k of s.keys) this.table.remove(k.group, k.version, k.resource);
  }
}
