import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Upstream's NamespaceLifecycle admission: creates need a live namespace. */
export function namespaceGate(namespaces: () => GenericStore | undefined): (ns: string) => Promise<void> {
  return async (ns: string) => {
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
    if (obj.metadata?.deletionTimestamp) {
      throw new StatusError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${ns} because it is being terminated`,
        {
          name: ns,
          kind: 'namespaces',
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${ns} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  };
}

/** Creates the namespaces every cluster has, ignoring the ones that exist. */
export async function ensureSystemNamespaces(store: GenericStore): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
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
