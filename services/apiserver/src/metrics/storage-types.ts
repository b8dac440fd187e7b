/** A stored resource as the storage metrics name it. */
export interface StoredResource {
  /** The collection's key prefix, `/registry/<keyRoot>/`. */
  listPrefix: string;
  group: string;
  resource: string;
}

/** Keys no served resource owns (compaction bookkeeping and the like) share one label value. */
export const OTHER_TYPE = 'other';

/**
 * Names the resource a storage key belongs to, as upstream's etcd metrics label
 * it (`pods`, `deployments.apps`): from the served resources' key prefixes,
 * never from the key's own segments, so the label values stay bounded.
 */
export class StorageTypeResolver {
  private byRoot = new Map<string, string>();
  private builtFrom = -1;

  /** `count` is cheap and changes whenever `resources` would (the store table's size). */
  constructor(
    private readonly prefix: string,
    private readonly resources: () => readonly StoredResource[],
    private readonly count: () => number,
  ) {}

  private rebuild(): void {
    if (this.count() === this.builtFrom) return;
    const list = this.resources();
    const byRoot = new Map<string, string>();
    const base = `${this.prefix}/`;
    for (const r of list) {
      if (!r.listPrefix.startsWith(base)) continue;
      const root = r.listPrefix.slice(base.length).replace(/\/+$/, '');
      // two versions of one resource share a prefix: the first served names it
      if (!byRoot.has(root)) byRoot.set(root, r.group ? `${r.resource}.${r.group}` : r.resource);
    }
    this.byRoot = byRoot;
    this.builtFrom = list.length;
  }

  private find(key: string): string | undefined {
    const base = this.prefix.length + 1;
    if (!key.startsWith(this.prefix) || key.charCodeAt(this.prefix.length) !== 47 /* '/' */) return undefined;
    const first = key.indexOf('/', base);
    const one = first < 0 ? key.slice(base) : key.slice(base, first);
    if (first >= 0) {
      const second = key.indexOf('/', first + 1);
      const two = second < 0 ? key.slice(base) : key.slice(base, second);
      const hit = this.byRoot.get(two);
      if (hit !== undefined) return hit;
    }
    return this.byRoot.get(one);
  }

  typeOf(key: string): string {
    const hit = this.find(key);
    if (hit !== undefined) return hit;
    // resources come and go (CRDs): look again once there are others
    this.rebuild();
    return this.find(key) ?? OTHER_TYPE;
  }

  /** `/pods` for `/registry/pods/`: upstream's resource_prefix label of the cache list metrics. */
  resourcePrefixOf(listPrefix: string): string {
    return listPrefix.slice(this.prefix.length).replace(/\/+$/, '');
  }
}
