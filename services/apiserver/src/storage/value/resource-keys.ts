import type { GroupResource } from './encryption-config';

/** A stored kind's place under the key prefix: /registry/<root>/... holds group/resource. */
export interface KeyRoot {
  root: string;
  group: string;
  resource: string;
}

/**
 * Maps an etcd key to the resource whose transformer applies: the longest known
 * root wins (services/endpoints before services); unknown roots of the form
 * <group>/<resource> (custom resources, apiservices) name their group themselves.
 * The first root registered for a key root wins, so a kind stored under another
 * kind's keys (events.k8s.io events under core events) uses that kind's config.
 */
export function resourceKeyResolver(prefix: string, roots: KeyRoot[]): (key: string) => GroupResource {
  const byRoot = new Map<string, GroupResource>();
  for (const r of roots) if (!byRoot.has(r.root)) byRoot.set(r.root, { group: r.group, resource: r.resource });
  const base = `${prefix.replace(/\/+$/, '')}/`;
  const memo = new Map<string, GroupResource>();
  return (key) => {
    const rel = key.startsWith(base) ? key.slice(base.length) : key.replace(/^\/+/, '');
    const parts = rel.split('/');
    const two = parts.length > 1 ? `${parts[0]}/${parts[1]}` : '';
    // the first two segments decide (a namespace or a name may follow), so they are the memo key
    const memoKey = two || parts[0];
    const cached = memo.get(memoKey);
    if (cached) return cached;
    let gr = (two && byRoot.get(two)) || byRoot.get(parts[0]);
    if (!gr) {
      gr =
        parts[0].includes('.') && parts.length > 1
          ? { group: parts[0], resource: parts[1] }
          : { group: '', resource: parts[0] };
    }
    if (memo.size < 10_000) memo.set(memoKey, gr);
    return gr;
  };
}
