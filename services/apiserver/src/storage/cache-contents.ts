import { prefixEnd } from './backend';
import type { CacheEntry } from './decoded-working-set';

type Labels = Readonly<Record<string, string>> | undefined;

/** First index in sorted keys whose key is >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The objects of one resource in a watch cache: entries by key, the keys in
 * order (etcd's order, for ranges), and which keys carry each `label=value`, so
 * a selector's equality requirements narrow a list before its predicate runs.
 */
export class CacheContents {
  private readonly entries = new Map<string, CacheEntry>();
  private keys: string[] = [];
  /** While filling a fresh contents in bulk, keys are appended and sorted once at the end. */
  private sorted = true;
  private readonly labelIndex = new Map<string, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Adds or replaces key; labels are those of the new and of the replaced version. */
  put(key: string, entry: CacheEntry, labels: Labels, previousLabels: Labels): void {
    if (!this.entries.has(key)) {
      if (this.sorted) this.keys.splice(lowerBound(this.keys, key), 0, key);
      else this.keys.push(key);
    }
    this.entries.set(key, entry);
    this.indexLabels(key, previousLabels, labels);
  }

  /** Adds a key during a bulk fill (see finishBulk); keys must not repeat. */
  putBulk(key: string, entry: CacheEntry, labels: Labels): void {
    this.sorted = false;
    this.put(key, entry, labels, undefined);
  }

  finishBulk(): void {
    if (!this.sorted) this.keys.sort(byCodeUnit);
    this.sorted = true;
  }

  remove(key: string, previousLabels: Labels): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
    this.indexLabels(key, previousLabels, undefined);
    return entry;
  }

  /** Every entry, for a re-list that keeps what did not change. */
  all(): IterableIterator<CacheEntry> {
    return this.entries.values();
  }

  /** Keys under prefix in order; `candidates` (from an index) narrows them when given. */
  *keysUnder(prefix: string, candidates?: ReadonlySet<string>): Generator<string> {
    const end = prefixEnd(prefix);
    if (candidates) {
      const keys = [...candidates].filter((k) => k >= prefix && k < end).sort(byCodeUnit);
      yield* keys;
      return;
    }
    const keys = this.keys;
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const k = keys[i];
      if (k >= end) return;
      yield k;
    }
  }

  /**
   * The smallest set of keys among the required labels when it is small enough to
   * beat a scan of `scanSize` keys; undefined when no index helps.
   */
  indexed(labels: Readonly<Record<string, string>> | undefined, scanSize: number): ReadonlySet<string> | undefined {
    if (!labels) return undefined;
    let best: ReadonlySet<string> | undefined;
    for (const [k, v] of Object.entries(labels)) {
      const set = this.labelIndex.get(`${k}=${v}`) ?? EMPTY;
      if (!best || set.size < best.size) best = set;
    }
    return best && best.size < scanSize / 4 ? best : undefined;
  }

  private indexLabels(key: string, before: Labels, after: Labels): void {
    const was = before ?? {};
    const now = after ?? {};
    for (const [k, v] of Object.entries(was)) {
      if (now[k] === v) continue;
      const set = this.labelIndex.get(`${k}=${v}`);
      set?.delete(key);
      if (set && set.size === 0) this.labelIndex.delete(`${k}=${v}`);
    }
    for (const [k, v] of Object.entries(now)) {
      if (was[k] === v) continue;
      const entry = `${k}=${v}`;
      let set = this.labelIndex.get(entry);
      if (!set) this.labelIndex.set(entry, (set = new Set()));
      set.add(key);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
