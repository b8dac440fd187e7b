import { count, type ResourceList } from './resource-list';
import { objectCountName, type GroupResource, type QuotaEvaluator } from './evaluator';

/**
 * Upstream's generic object count evaluator: every stored object of the resource
 * counts one, under `count/<resource>[.<group>]` and, for the few core resources
 * quota named before object counts existed, under their legacy name too.
 */
export function objectCountEvaluator(gr: GroupResource, legacyName?: string): QuotaEvaluator {
  const names = [objectCountName(gr), ...(legacyName ? [legacyName] : [])];
  return {
    groupResource: gr,
    handles: (op) => op === 'CREATE',
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    // scopes select pods only: a scoped quota never matches these objects
    matchesScope: () => false,
    constraints: () => undefined,
    usage(): ResourceList {
      return new Map(names.map((n) => [n, count(1)]));
    },
  };
}
