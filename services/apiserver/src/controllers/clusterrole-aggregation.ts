import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { reconcileAggregation } from '../authz/rbac/aggregation';
import type { ClusterRole } from '../generated/k8s.io.api.rbac.v1';
import type { GenericStore } from '../registry/generic-store';
import { runInformer } from './informer';
import { errorText, type LeaderController } from './util';
import { logError } from '../logging/line-log';

/**
 * Upstream's clusterrole-aggregation controller: a ClusterRole with an
 * aggregationRule holds the rules of every ClusterRole its selectors match
 * (admin, edit and view gather the aggregate-to-* roles), kept current as
 * roles come and go. Runs on the leader only.
 */
export class ClusterRoleAggregationController implements LeaderController {
  readonly name = 'clusterrole-aggregation-controller';
  private task: Promise<void> = Promise.resolve();
  private readonly roles = new Map<string, ClusterRole>();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: () => GenericStore | undefined,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    const store = this.store();
    if (!store) return;
    const changed = (): void => {
      this.pending = this.pending.then(() => this.syncAll(store, signal));
    };
    this.task = runInformer(
      store,
      signal,
      {
        onList: (items) => {
          this.roles.clear();
          for (const o of items) this.roles.set(o.metadata?.name ?? '', o as unknown as ClusterRole);
          changed();
        },
        onEvent: (type, o) => {
          if (type === 'DELETED') this.roles.delete(o.metadata?.name ?? '');
          else this.roles.set(o.metadata?.name ?? '', o as unknown as ClusterRole);
          changed();
        },
      },
      this.log,
    );
  }

  async stopped(): Promise<void> {
    await this.task;
    await this.pending;
  }

  private async syncAll(store: GenericStore, signal: AbortSignal): Promise<void> {
    const all = [...this.roles.values()];
    for (const role of all) {
      if (signal.aborted) return;
      if (!role.aggregationRule) continue;
      const next = reconcileAggregation(role, all);
      if (!next) continue;
      try {
        await store.updateWith(
          '',
          role.metadata?.name ?? '',
          (cur) => ({ ...cur, rules: next.rules ?? [] }) as KubeObject,
          {
            manager: 'clusterrole-aggregation-controller',
          },
        );
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) {
          logError(this.log, `clusterrole aggregation: ${role.metadata?.name ?? ''}: ${errorText(e)}`);
        }
      }
    }
  }
}
