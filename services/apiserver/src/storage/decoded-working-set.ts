import type { KubeObject } from '../api/object';
import type { PackedObject, PackedType } from './cache-item-codec';

/**
 * A cached object: its packed bytes (the entry is its own PackedObject, one
 * allocation fewer per object), and its decoded form while that is in the working set.
 */
export class CacheEntry implements PackedObject {
  decoded: KubeObject | undefined = undefined;
  readonly bytes: string;
  readonly type: PackedType;

  constructor(
    packed: PackedObject,
    readonly revision: number,
  ) {
    this.bytes = packed.bytes;
    this.type = packed.type;
  }
}

/**
 * The decoded objects a watch cache keeps, least recently used first, bounded by
 * the packed size of their entries (a decoded object is a few times larger). Reads
 * decode on a miss and put the object here; eviction drops only the decoded form,
 * the entry's bytes stay.
 */
export class DecodedWorkingSet {
  private readonly lru = new Map<CacheEntry, number>();
  /**
   * Eviction resumes where it stopped: a Map keeps deleted entries as holes until
   * it is rehashed, and a fresh iterator walks every hole at the front each time.
   */
  private oldest: Iterator<[CacheEntry, number]> = this.lru.entries();
  private used = 0;

  constructor(private readonly budgetBytes: number) {}

  get size(): number {
    return this.lru.size;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** The entry's decoded object, decoding (and remembering) it on a miss. */
  obtain(entry: CacheEntry, decode: (e: CacheEntry) => KubeObject): KubeObject {
    const hit = entry.decoded;
    if (hit) {
      const cost = this.lru.get(entry);
      if (cost !== undefined) {
        // re-insert: a Map iterates in insertion order, so the front is the least recently used
        this.lru.delete(entry);
        this.lru.set(entry, cost);
      }
      return hit;
    }
    const obj = decode(entry);
    if (this.budgetBytes <= 0) return obj;
    const cost = entry.bytes.length;
    entry.decoded = obj;
    this.lru.set(entry, cost);
    this.used += cost;
    if (this.used > this.budgetBytes) this.evict();
    return obj;
  }

  /** Puts an object already decoded into the set as the entry's. */
  adopt(entry: CacheEntry, obj: KubeObject): void {
    this.obtain(entry, () => obj);
  }

  /** Forgets an entry that left the cache (replaced or deleted). */
  drop(entry: CacheEntry): void {
    const cost = this.lru.get(entry);
    if (cost === undefined) return;
    this.lru.delete(entry);
    this.used -= cost;
    entry.decoded = undefined;
  }

  private evict(): void {
    while (this.used > this.budgetBytes) {
      let next = this.oldest.next();
      if (next.done) {
        // a finished iterator stays finished: start over (entries came after it ended)
        this.oldest = this.lru.entries();
        next = this.oldest.next();
        if (next.done) return;
      }
      const [entry, cost] = next.value;
      this.lru.delete(entry);
      this.used -= cost;
      entry.decoded = undefined;
    }
  }
}
