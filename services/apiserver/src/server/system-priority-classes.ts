import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { StoreTable } from '../registry/store-table';
import { SYSTEM_PRIORITY_CLASSES } from '../registry/strategies/priorityclasses';

/**
 * Upstream's scheduling/bootstrap-system-priority-classes post-start hook, run by
 * every replica: each system class is created when missing; one that exists (or that
 * another replica creates first, 409) is left as it is.
 */
export async function ensureSystemPriorityClasses(table: StoreTable): Promise<void> {
  const store = table.store('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!store) return;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    const name = pc.metadata?.name ?? '';
    try {
      await store.get('', name);
      continue;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    const obj: KubeObject = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value: pc.value,
      description: pc.description,
    };
    try {
      await store.create('', obj, { manager: 'kube-apiserver' });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
}
