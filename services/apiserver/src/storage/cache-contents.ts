import { prefixEnd } from './backend';
import type { CacheEntry } from './decoded-working-set';
import type { RequiredTerms } from './index-terms';

type Terms = readonly string[];

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
 * order (etcd's order, for ranges), and which keys carry each index term (a
 * `label=value`, or a value of an indexed field; see index-terms.ts), so a
 * selector's equality requirements narrow a list before its predicate runs.
 */
export class CacheContents {
  private readonly entries = new Map<string, CacheEntry>();
  private keys: string[] = [];
  /** While filling a fresh contents in bulk, keys are appended and sorted once at the end. */
  private sorted = true;
  private readonly index = new Map<string, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Adds or replaces key; terms are those of the new and of the replaced version. */
  put(key: string, entry: CacheEntry, terms: Terms, previousTerms: Terms): void {
    if (!this.entries.has(key)) {
      if (this.sorted) this.keys.splice(lowerBound(this.keys, key), 0, key);
      else this.keys.push(key);
    }
    this.entries.set(key, entry);
    this.reindex(key, previousTerms, terms);
  }

  /** Adds a key during a bulk fill (see finishBulk); keys must not repeat. */
  putBulk(key: string, entry: CacheEntry, terms: Terms): void {
    this.sorted = false;
    this.put(key, entry, terms, []);
  }

  finishBulk(): void {
    if (!this.sorted) this.keys.sort(byCodeUnit);
    this.sorted = true;
  }

  remove(key: string, previousTerms: Terms): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
    this.reindex(key, previousTerms, []);
    return entry;
  }

  /** Every entry, for a re-list that keeps what did not change. */
  all(): IterableIterator<CacheEntry> {
    return this.entries.values();
  }

  /** Every key and entry, for indexing what is cached under new indexers. */
  pairs(): IterableIterator<[string, CacheEntry]> {
    return this.entries.entries();
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
   * The keys to read for a selection: an indexed field's bucket whenever the
   * selection requires one (an index is declared because it is selective, as
   * upstream always uses it), else the smallest label bucket when it is small
   * enough to beat a scan of `scanSize` keys; undefined when no index helps.
   */
  indexed(required: RequiredTerms, scanSize: number): { keys: ReadonlySet<string>; field: boolean } | undefined {
    const smallest = (terms: string[]): ReadonlySet<string> | undefined => {
      let best: ReadonlySet<string> | undefined;
      for (const t of terms) {
        const set = this.index.get(t) ?? EMPTY;
        if (!best || set.size < best.size) best = set;
      }
      return best;
    };
    const byField = smallest(required.fields);
    if (byField) return { keys: byField, field: true };
    const byLabel = smallest(required.labels);
    return byLabel && byLabel.size < scanSize / 4 ? { keys: byLabel, field: false } : undefined;
  }

  private reindex(key: string, before: Terms, after: Terms): void {
    // an object has a handful of terms: arrays beat sets here
    for (const t of before) {
      if (after.includes(t)) continue;
      const set = this.index.get(t);
      set?.delete(key);
      if (set && set.size === 0) this.index.delete(t);
    }
    for (const t of after) {
      if (before.includes(t)) continue;
      let set = this.index.get(t);
      if (!set) this.index.set(t, (set = new Set()));
      set.add(key);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
