import type { KubeObject } from '../api/object';
import type { NamespaceStore } from '../registry/namespaces/namespace-store';
import { ensureSystemNamespaces, SYSTEM_NAMESPACES } from '../admission/namespace-lifecycle';
import { runInformer } from './informer';
import { errorText, sleep, type LeaderController } from './util';
import { logError } from '../logging/line-log';

/** Upstream's system namespaces controller checks once a minute. */
const INTERVAL_MS = 60_000;

/**
 * Re-creates default, kube-system, kube-public and kube-node-lease when they are
 * missing (upstream's system namespaces controller): periodically, and at once
 * when a watch reports one of them removed (kube-node-lease may be deleted; the
 * others could only vanish behind the API's back, e.g. in etcd).
 */
export class SystemNamespacesController implements LeaderController {
  readonly name = 'system-namespaces-controller';
  private tasks: Promise<void>[] = [];

  constructor(
    private readonly namespaces: NamespaceStore,
    private readonly log: (line: string) => void = () => undefined,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  start(signal: AbortSignal): void {
    let wake: (() => void) | undefined;
    // a removal seen while a check runs must not wait for the next period
    let pending = false;
    const kick = (): void => {
      pending = true;
      wake?.();
    };
    const isSystem = (obj: KubeObject): boolean => SYSTEM_NAMESPACES.includes(obj.metadata?.name ?? '');
    this.tasks = [
      (async () => {
        while (!signal.aborted) {
          pending = false;
          await this.ensure();
          if (pending) continue;
          await new Promise<void>((resolve) => {
            wake = resolve;
            void sleep(this.intervalMs, signal).then(resolve);
          });
          wake = undefined;
        }
      })(),
      runInformer(
        this.namespaces,
        signal,
        {
          onList: (items) => {
            const present = new Set(items.map((o) => o.metadata?.name));
            if (SYSTEM_NAMESPACES.some((n) => !present.has(n))) kick();
          },
          onEvent: (type, obj) => {
            if (type === 'DELETED' && isSystem(obj)) kick();
          },
        },
        this.log,
      ),
    ];
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
  }

  private async ensure(): Promise<void> {
    try {
      await ensureSystemNamespaces(this.namespaces);
    } catch (e) {
      logError(this.log, `system namespaces: ${errorText(e)}`);
    }
  }
}
