import { StatusError, newNotFound } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { StoreTable } from '../../registry/store-table';

/** The pods and nodes NodeRestriction looks at (upstream reads them from its informers' listers). */
export interface NodeRestrictionReads {
  pod(namespace: string, name: string): Promise<KubeObject>;
  node(name: string): Promise<KubeObject>;
}

/**
 * A lister's NotFound names the resource in the singular (`pod "p" not found`),
 * and NodeRestriction passes it on as is.
 */
function listerGet(
  table: StoreTable,
  resource: 'pods' | 'nodes',
  singular: string,
): (namespace: string, name: string) => Promise<KubeObject> {
  return async (namespace, name) => {
    const store = table.store('', 'v1', resource);
    if (!store) throw new Error(`${resource} are not served`);
    try {
      return await store.get(namespace, name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw newNotFound({ group: '', resource: singular }, name);
      throw e;
    }
  };
}

export function storeReads(table: StoreTable): NodeRestrictionReads {
  const pod = listerGet(table, 'pods', 'pod');
  const node = listerGet(table, 'nodes', 'node');
  return { pod, node: (name) => node('', name) };
}

/** A lister's NotFound, which upstream returns unwrapped. */
export function isNotFound(e: unknown): e is StatusError {
  return e instanceof StatusError && e.code === 404;
}
