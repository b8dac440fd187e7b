import type { KubeObject } from '../../api/object';
import type { AdmissionDeps } from './deps';

/**
 * The class a defaulting plugin picks among those marked default: the newest by
 * creationTimestamp, then the first by name (upstream's order since several
 * defaults stopped being an error, so a new default takes over at once).
 */
export function newestDefault(
  classes: readonly KubeObject[],
  isDefault: (c: KubeObject) => boolean,
): string | undefined {
  const created = (c: KubeObject): number => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  const name = (c: KubeObject): string => c.metadata?.name ?? '';
  const defaults = classes.filter(isDefault);
  defaults.sort((x, y) => created(y) - created(x) || (name(x) < name(y) ? -1 : name(x) > name(y) ? 1 : 0));
  return defaults[0] ? name(defaults[0]) : undefined;
}

/**
 * Every object of a cluster-scoped kind as this replica's watch cache holds it,
 * without waiting for it to catch up: upstream reads its informer's lister.
 */
export async function cachedClusterList(
  deps: AdmissionDeps,
  group: string,
  version: string,
  resource: string,
): Promise<KubeObject[]> {
  const store = deps.table.store(group, version, resource);
  if (!store) return [];
  const list = await store.list('', { resourceVersion: '0' });
  return (list.items as KubeObject[] | undefined) ?? [];
}
