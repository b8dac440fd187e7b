import { StatusError, type GroupResource } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Upstream's NamespaceLifecycle admission: creates need a live namespace. Given
 * the resource and name being created (optional, so the generic store's
 * one-argument NamespaceGate still fits), the refusal reads as upstream's
 * admission Forbidden: `configmaps "z" is forbidden: unable to create ...`.
 */
export function namespaceGate(
  namespaces: () => GenericStore | undefined,
): (ns: string, gr?: GroupResource, name?: string) => Promise<void> {
  return async (ns: string, gr?: GroupResource, name?: string) => {
    const store = namespaces();
    if (!store || !ns) return;
    let obj: KubeObject;
    try {
      obj = await store.get('', ns);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) {
        throw new StatusError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
      }
      throw e;
    }
    if (obj.metadata?.deletionTimestamp) throw terminatingNamespace(ns, gr, name);
  };
}

/** The Forbidden a create in a Terminating namespace gets. */
export function terminatingNamespace(ns: string, gr?: GroupResource, name?: string): StatusError {
  const why = `unable to create new content in namespace ${ns} because it is being terminated`;
  const causes = [
    { reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' },
  ];
  if (!gr) return new StatusError(403, 'Forbidden', why, { name: ns, kind: 'namespaces', causes });
  const qualified = gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
  const message = name ? `${qualified} "${name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, {
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
    ...(name ? { name } : {}),
    causes,
  });
}

async function exists(store: GenericStore, name: string): Promise<boolean> {
  try {
    await store.get('', name);
    return true;
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return false;
    throw e;
  }
}

/** Creates the namespaces every cluster has, ignoring the ones that exist. */
export async function ensureSystemNamespaces(store: GenericStore): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    // a read from the watch cache: a restart makes no create attempt at all (upstream's controller also reads first)
    if (await exists(store, name)) continue;
    try {
      await store.create(
        '',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'kube-apiserver' },
      );
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
}
