import type { KubeObject } from '../../api/object';
import type { ResourceQuota } from '../../generated/k8s.io.api.core.v1';
import { quotaScopeSelectors } from './check';
import type { GroupResource } from './evaluator';
import { evaluatorFor, groupResourceOfName } from './registry';
import { add, count, mask, parseResourceList, type ResourceList } from './resource-list';

/** Lists one resource's objects in a namespace; undefined when the resource is not served. */
export type NamespaceLister = (gr: GroupResource, namespace: string) => Promise<KubeObject[] | undefined>;

/**
 * What a quota's hard names are using now, counted from the stored objects (upstream's
 * CalculateUsage): every name some evaluator measures, zero when nothing uses it. The
 * recorded value is kept for a resource the lister cannot list.
 */
export async function calculateUsage(q: ResourceQuota, list: NamespaceLister, nowMs: number): Promise<ResourceList> {
  const namespace = q.metadata?.namespace ?? '';
  const hardNames = Object.keys(q.spec?.hard ?? {});
  const byResource = new Map<string, { gr: GroupResource; names: string[] }>();
  for (const n of hardNames) {
    const gr = groupResourceOfName(n);
    if (!gr) continue;
    const key = `${gr.group}/${gr.resource}`;
    const entry = byResource.get(key) ?? { gr, names: [] };
    entry.names.push(n);
    byResource.set(key, entry);
  }
  const selectors = quotaScopeSelectors(q);
  let used: ResourceList = new Map();
  for (const { gr, names } of byResource.values()) {
    const ev = evaluatorFor(gr);
    const measured = ev.matchingResources(names);
    const objects = await list(gr, namespace);
    if (!objects) {
      // a resource this replica cannot list (not served, or not yet): what admission charged stands
      used = add(used, mask(parseResourceList(q.status?.used), measured));
      continue;
    }
    let sum: ResourceList = new Map(measured.map((n) => [n, count(0)]));
    for (const obj of objects) {
      if (!selectors.every((s) => ev.matchesScope(s, obj))) continue;
      sum = add(sum, mask(ev.usage(obj, nowMs), measured));
    }
    used = add(used, sum);
  }
  return used;
}
