import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import type { NamespaceStore } from './namespace-store';

const RESYNC_MS = 2000;

/**
 * Empties Terminating namespaces and then finalizes them (upstream's namespace
 * controller, reduced to what a single replica needs).
 */
export class NamespaceController {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly namespaces: NamespaceStore,
    private readonly namespacedStores: () => GenericStore[],
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sync(), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sync(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const list = await this.namespaces.list('', {});
      for (const ns of (list.items as KubeObject[]) ?? []) {
        if (ns.metadata?.deletionTimestamp) await this.finalize(ns);
      }
    } catch {
      // retried on the next tick
    } finally {
      this.running = false;
    }
  }

  private async finalize(ns: KubeObject): Promise<void> {
    const name = ns.metadata?.name ?? '';
    let remaining = 0;
    for (const store of this.namespacedStores()) {
      const items = ((await store.list(name, {})).items as KubeObject[]) ?? [];
      for (const item of items) {
        try {
          const r = await store.delete(name, item.metadata?.name ?? '', {});
          if (!r.deleted) remaining++;
        } catch {
          remaining++;
        }
      }
    }
    if (remaining > 0) return;
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(
      (f) => f !== 'kubernetes',
    );
    await this.namespaces.finalize(name, finalizers);
  }
}
