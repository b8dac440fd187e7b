import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { bootstrapPolicy } from '../authz/rbac/bootstrap-policy';
import { reconcileBinding, reconcileRole, type ReconcileResult } from '../authz/rbac/reconcile';
import type { GenericStore } from '../registry/generic-store';
import type { StoreTable } from '../registry/store-table';

const ATTEMPTS = 5;

async function current(store: GenericStore, namespace: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(namespace, name);
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return undefined;
    throw e;
  }
}

/** Writes one reconciled object; a race with another replica (409) is retried from a fresh read. */
async function ensure<T extends KubeObject>(
  store: GenericStore,
  desired: T,
  reconcile: (expected: T, existing: T | undefined) => ReconcileResult<T> | undefined,
): Promise<void> {
  const ns = desired.metadata?.namespace ?? '';
  const name = desired.metadata?.name ?? '';
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = (await current(store, ns, name)) as T | undefined;
      const r = reconcile(desired, existing);
      if (!r) return;
      if (r.operation === 'recreate') await store.delete(ns, name, {});
      if (r.operation === 'update') await store.update(ns, name, r.object, {});
      else await store.create(ns, r.object, {});
      return;
    } catch (e) {
      if (!(e instanceof StatusError) || e.code !== 409 || attempt >= ATTEMPTS) throw e;
    }
  }
}

/**
 * Upstream's rbac/bootstrap-roles post-start hook: the default roles and bindings
 * exist and carry at least their default rules and subjects; objects annotated
 * autoupdate=false are left as the operator made them.
 */
export async function ensureBootstrapPolicy(table: StoreTable): Promise<void> {
  const policy = bootstrapPolicy();
  const rbac = (resource: string): GenericStore => {
    const s = table.store('rbac.authorization.k8s.io', 'v1', resource);
    if (!s) throw new Error(`rbac resource ${resource} is not served`);
    return s;
  };
  type Reconcile = (e: KubeObject, x: KubeObject | undefined) => ReconcileResult<KubeObject> | undefined;
  const roles = reconcileRole as unknown as Reconcile;
  const bindings = reconcileBinding as unknown as Reconcile;
  const objs = <T>(list: T[]): KubeObject[] => list as unknown as KubeObject[];
  for (const r of objs(policy.clusterRoles)) await ensure(rbac('clusterroles'), r, roles);
  for (const b of objs(policy.clusterRoleBindings)) await ensure(rbac('clusterrolebindings'), b, bindings);
  for (const r of objs(policy.roles)) await ensure(rbac('roles'), r, roles);
  for (const b of objs(policy.roleBindings)) await ensure(rbac('rolebindings'), b, bindings);
}
