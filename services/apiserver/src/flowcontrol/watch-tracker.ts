import type { RequestInfo } from '../endpoints/request-info';

const SEP = '\u0000';
const keyOf = (group: string, resource: string, namespace: string, name: string): string =>
  `${group}${SEP}${resource}${SEP}${namespace}${SEP}${name}`;

/**
 * Upstream's APF watch tracker: the watches this server is serving, by what
 * they watch, so a write can be charged for the events it will fan out.
 */
export class WatchTracker {
  private counts = new Map<string, number>();

  /** Counts a watch until the returned function is called. */
  register(info: RequestInfo): () => void {
    const key = keyOf(info.apiGroup, info.resource, info.namespace, info.name);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    let forgotten = false;
    return () => {
      if (forgotten) return;
      forgotten = true;
      const n = (this.counts.get(key) ?? 1) - 1;
      if (n > 0) this.counts.set(key, n);
      else this.counts.delete(key);
    };
  }

  /** Watches that will see a write to this object: of the whole resource, of its namespace, of its name. */
  interested(info: RequestInfo): number {
    const count = (ns: string, name: string): number =>
      this.counts.get(keyOf(info.apiGroup, info.resource, ns, name)) ?? 0;
    let n = count('', '');
    if (info.namespace !== '') n += count(info.namespace, '');
    if (info.name !== '') n += count(info.namespace, info.name);
    return n;
  }
}
