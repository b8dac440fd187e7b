import type { CustomResourceDefinition } from '../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { CRD_CLEANUP_FINALIZER, setCrdCondition } from '../registry/customresources/crd-conditions';
import type { GenericStore } from '../registry/generic-store';
import type { StoreTable } from '../registry/store-table';
import { meta } from '../registry/store-reads';
import { runInformer, WorkQueue } from './informer';
import { errorText, isStatus, type LeaderController } from './util';

const MANAGER = 'kube-apiserver';

function storedVersionStore(table: StoreTable, crd: CustomResourceDefinition): GenericStore | undefined {
  const group = crd.spec?.group ?? '';
  const plural = crd.spec?.names?.plural ?? '';
  const versions = crd.spec?.versions ?? [];
  const ordered = [...versions.filter((v) => v.storage), ...versions.filter((v) => !v.storage)];
  for (const v of ordered) {
    const s = table.store(group, v.name ?? '', plural);
    if (s) return s;
  }
  return undefined;
}

/**
 * Upstream's CRD finalizer: a definition marked for deletion loses its instances
 * (each deleted as a client would, so theirs finalizers hold it), then its
 * customresourcecleanup finalizer. Runs on the leader.
 */
export class CrdFinalizerController implements LeaderController {
  readonly name = 'crd-finalizer';
  private task: Promise<void> = Promise.resolve();
  private queue: WorkQueue | undefined;
  private readonly crds = new Map<string, CustomResourceDefinition>();

  constructor(
    private readonly table: StoreTable,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  private crdStore(): GenericStore | undefined {
    return this.table.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  }

  start(signal: AbortSignal): void {
    const store = this.crdStore();
    if (!store) return;
    const queue = new WorkQueue((name) => this.sync(store, name), signal, this.log);
    this.queue = queue;
    const consider = (crd: CustomResourceDefinition): void => {
      const m = crd.metadata ?? {};
      this.crds.set(m.name ?? '', crd);
      if (m.deletionTimestamp && (m.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) queue.add(m.name ?? '');
    };
    this.task = runInformer(
      store,
      signal,
      {
        onList: (items) => {
          this.crds.clear();
          for (const o of items) consider(o as CustomResourceDefinition);
        },
        onEvent: (type, o) => {
          if (type === 'DELETED') this.crds.delete(o.metadata?.name ?? '');
          else consider(o as CustomResourceDefinition);
        },
      },
      this.log,
    );
    queue.run(1);
  }

  async stopped(): Promise<void> {
    await this.task;
    await this.queue?.done();
  }

  private async setTerminating(store: GenericStore, name: string, reason: string, message: string): Promise<void> {
    await store.updateWith(
      '',
      name,
      (cur) => {
        setCrdCondition(cur as CustomResourceDefinition, { type: 'Terminating', status: 'True', reason, message });
        return cur;
      },
      { statusOnly: true, manager: MANAGER, subresource: 'status' },
    );
  }

  private async sync(store: GenericStore, name: string): Promise<void> {
    const crd = this.crds.get(name);
    if (!crd || !crd.metadata?.deletionTimestamp) return;
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    try {
      await this.setTerminating(store, name, 'InstanceDeletionInProgress', 'CustomResource deletion is in progress');
      const instances = storedVersionStore(this.table, crd);
      if (instances) {
        await instances.deleteCollection('', {});
        const left = await instances.list('', {});
        const count = ((left.items as unknown[]) ?? []).length;
        if (count > 0) {
          const message = `could not confirm zero CustomResources remaining: ${count} instances remain`;
          await this.setTerminating(store, name, 'InstanceDeletionCheck', message);
          throw new Error(message);
        }
      }
      await this.setTerminating(store, name, 'InstanceDeletionCompleted', 'removed all instances');
      // the store removes a deleted object once its last finalizer is gone
      await store.updateWith(
        '',
        name,
        (cur) => {
          const m = meta(cur);
          m.finalizers = (m.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
          if (m.finalizers.length === 0) delete m.finalizers;
          return cur;
        },
        { systemWrite: true, manager: MANAGER },
      );
    } catch (e) {
      if (isStatus(e, 404)) return;
      this.log(`crd-finalizer ${name}: ${errorText(e)}`);
      throw e;
    }
  }
}
