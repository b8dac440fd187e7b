import type { KubeObject } from '../api/object';
import { StatusError } from '../api/errors';
import type { GenericStore } from '../registry/generic-store';
import { runInformer, WorkQueue } from './cluster/informer';
import { errorText, sleep, type LeaderController } from './cluster/util';
import type { NamespaceStore } from './namespace-store';

const RESYNC_MS = 2000;
const DELETE_CONCURRENCY = 16;

/**
 * Empties Terminating namespaces and then removes the `kubernetes` finalizer
 * (upstream's namespace controller): every namespaced resource's objects are
 * deleted with Background propagation; while some remain (finalizers, foreground
 * deletion) the namespace is retried. Runs on the leader only: driven by a watch
 * of namespaces, with a periodic resync.
 */
export class NamespaceController implements LeaderController {
  readonly name = 'namespace-controller';
  private tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;

  constructor(
    private readonly namespaces: NamespaceStore,
    private readonly namespacedStores: () => GenericStore[],
    private readonly log: (line: string) => void = () => undefined,
    private readonly resyncMs = RESYNC_MS,
  ) {}

  start(signal: AbortSignal): void {
    const queue = new WorkQueue(
      (name) => this.syncNamespace(name, signal),
      signal,
      (l) => this.log(`namespace controller: ${l}`),
      this.resyncMs,
    );
    this.queue = queue;
    queue.run(2);
    const enqueue = (obj: KubeObject): void => {
      if (obj.metadata?.deletionTimestamp && obj.metadata.name) queue.add(obj.metadata.name);
    };
    this.tasks = [
      runInformer(
        this.namespaces,
        signal,
        { onList: (items) => items.forEach(enqueue), onEvent: (type, obj) => type !== 'DELETED' && enqueue(obj) },
        this.log,
      ),
      (async () => {
        while (!signal.aborted) {
          await sleep(this.resyncMs, signal);
          if (!signal.aborted) await this.sync(queue);
        }
      })(),
    ];
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
  }

  /** Queues every Terminating namespace (the resync). */
  async sync(queue = this.queue): Promise<void> {
    try {
      const list = await this.namespaces.list('', {});
      for (const ns of (list.items as KubeObject[]) ?? []) {
        if (ns.metadata?.deletionTimestamp && ns.metadata.name) queue?.add(ns.metadata.name);
      }
    } catch (e) {
      this.log(`namespace controller: resync: ${errorText(e)}`);
    }
  }

  private async syncNamespace(name: string, signal: AbortSignal): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.namespaces.get('', name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
    if (!ns.metadata?.deletionTimestamp || signal.aborted) return;
    const remaining = await this.deleteContent(name, signal);
    if (signal.aborted) return;
    if (remaining > 0) throw new Error(`namespace ${name}: ${remaining} objects remaining`);
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(
      (f) => f !== 'kubernetes',
    );
    await this.namespaces.finalize(name, finalizers);
  }

  /** Deletes everything in the namespace; returns how many objects are still there. */
  private async deleteContent(name: string, signal: AbortSignal): Promise<number> {
    let remaining = 0;
    for (const store of this.namespacedStores()) {
      if (signal.aborted) return remaining + 1;
      const items = ((await store.list(name, {})).items as KubeObject[]) ?? [];
      for (let i = 0; i < items.length; i += DELETE_CONCURRENCY) {
        if (signal.aborted) return remaining + 1;
        const results = await Promise.all(
          items.slice(i, i + DELETE_CONCURRENCY).map(async (item) => {
            try {
              const r = await store.delete(name, item.metadata?.name ?? '', {
                propagationPolicy: 'Background',
                preconditions: { uid: item.metadata?.uid },
              });
              return r.deleted ? 0 : 1;
            } catch (e) {
              if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return 0;
              return 1;
            }
          }),
        );
        remaining += results.reduce<number>((a, b) => a + b, 0);
      }
    }
    return remaining;
  }
}
