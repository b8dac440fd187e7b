import type { KubeObject } from '../api/object';

/** One change as the watch cache keeps it for watchers that resume. */
export interface RingEntry {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  prevObject?: KubeObject;
  revision: number;
  /** Packed size of the object, what a watcher buffering this event is charged. */
  bytes: number;
  /** prevObject at this revision, for watchers the object moved out of; made on first use. */
  left?: KubeObject;
}

/**
 * The last `size` events of one resource, in revision order (--default-watch-cache-size).
 * `start` is the revision after which the ring is complete: a watch resuming from
 * an older revision cannot be served from it.
 */
export class EventRing {
  /** The ring holds every event with a revision above this. */
  start = 0;
  private readonly slots: (RingEntry | undefined)[];
  private head = 0;
  private count = 0;

  constructor(size: number) {
    this.slots = new Array<RingEntry | undefined>(size);
  }

  get length(): number {
    return this.count;
  }

  /** Empties the ring: it is complete from revision on. */
  reset(revision: number): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.start = revision;
  }

  push(entry: RingEntry): void {
    const size = this.slots.length;
    if (size === 0) {
      this.start = entry.revision;
      return;
    }
    if (this.count === size) {
      const evicted = this.slots[this.head];
      if (evicted) this.start = evicted.revision;
      this.slots[this.head] = entry;
      this.head = (this.head + 1) % size;
    } else {
      this.slots[(this.head + this.count) % size] = entry;
      this.count++;
    }
  }

  at(i: number): RingEntry {
    return this.slots[(this.head + i) % this.slots.length] as RingEntry;
  }

  /** Index of the first entry with a revision above `after` (length when none). */
  firstAfter(after: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
