import type { KubeObject } from '../api/object';
import type { LazyItems, StorageWatchEvent, Watcher } from './interface';
import { Fifo } from './fifo';
import { BacklogMeter, type WatcherLimits } from './watch-limits';

/** What a cached watcher selects: one key, or every key under a prefix, optionally filtered. */
export interface WatchSelection {
  /** A collection prefix (ends with '/') or, when recursive is false, one object's key. */
  key: string;
  recursive: boolean;
  predicate?: (obj: KubeObject) => boolean;
  progressNotify: boolean;
  /** Field values every selected object has (a field selector's equalities), for dispatch through a field index. */
  indexFields?: Readonly<Record<string, string>>;
}

/**
 * The consumer side of one watch served by the watch cache. Events are pushed
 * synchronously by the cache's fan-out, which never waits; the consumer pulls
 * them by async iteration. The buffer is bounded (WatcherLimits, by events and
 * by bytes): a consumer that falls that far behind is cut off, and one that
 * stays at half the bound for the stall timeout is closed for unresponsiveness
 * and its buffer released. Either way the consumer sees a prefix of the events
 * and then the end of the stream, never a gap: its client watches again from
 * the last revision it received. closedByStorage tells a consumer that is not
 * pulling (blocked on a full socket) that the watch is over.
 */
export class CacheWatcher implements Watcher {
  /** Events with revision at or below this are not delivered (already covered by the start point). */
  lastRevision: number;
  /** Revision of the last event or BOOKMARK handed to the consumer. */
  sentRevision: number;
  /** Set when the watcher was ended because its consumer fell too far behind. */
  overflowed = false;
  /** Set when the watcher was closed because its consumer stayed full past the stall timeout. */
  stalled = false;
  /**
   * The state a watch starts with, read one object at a time ahead of the buffer:
   * a watch-list of a large collection never holds every object decoded at once.
   */
  private initial: { items: LazyItems; next: number; revision: number } | undefined;
  private readonly buffer = new Fifo<StorageWatchEvent>();
  /** Byte estimate of each buffered event, parallel to buffer. */
  private readonly sizes = new Fifo<number>();
  private readonly meter: BacklogMeter;
  private readonly abort = new AbortController();
  private dropTimer: NodeJS.Timeout | undefined;
  private waiter?: (r: IteratorResult<StorageWatchEvent>) => void;
  private initialDone?: Promise<void>;
  private markInitialized?: () => void;
  private ended = false;
  private stopped = false;

  constructor(
    readonly selection: WatchSelection,
    startRevision: number,
    private readonly limits: WatcherLimits,
    private readonly onClose: (w: CacheWatcher) => void,
  ) {
    this.lastRevision = startRevision;
    this.sentRevision = startRevision;
    this.meter = new BacklogMeter(limits, () => this.closeStalled());
  }

  get closedByStorage(): AbortSignal {
    return this.abort.signal;
  }

  /** Approximate bytes waiting for the consumer. */
  get backlogBytes(): number {
    return this.meter.bytes;
  }

  get isClosed(): boolean {
    return this.ended || this.stopped;
  }

  /** Number of events waiting for the consumer. */
  get backlog(): number {
    const initial = this.initial ? this.initial.items.length - this.initial.next : 0;
    return initial + this.buffer.length;
  }

  /** Resolves when the last initial event has been taken (or the watcher ends first). */
  get initialized(): Promise<void> {
    if (!this.initial) return Promise.resolve();
    return (this.initialDone ??= new Promise((resolve) => (this.markInitialized = resolve)));
  }

  private initialOver(): void {
    this.initial = undefined;
    this.markInitialized?.();
  }

  /** ADDED events for these objects come first, each produced when the consumer asks for it. */
  startWith(items: LazyItems, revision: number): void {
    if (items.length > 0) this.initial = { items, next: 0, revision };
  }

  /** Raises the bounds, for the initial events a watch starts with (bounded by the cache itself). */
  allowExtra(events: number, bytes = 0): void {
    this.meter.allowExtra(events, bytes);
  }

  matchesKey(key: string): boolean {
    const sel = this.selection;
    return sel.recursive ? key.startsWith(sel.key) : key === sel.key;
  }

  /** bytes: the event's size as the cache counts it (packed object bytes). */
  push(event: StorageWatchEvent, bytes = 0): void {
    if (this.isClosed) return;
    if (!this.waiter && this.meter.wouldOverflow(bytes)) {
      this.overflowed = true;
      this.end();
      this.abort.abort();
      return;
    }
    if (event.revision > this.sentRevision) this.sentRevision = event.revision;
    this.deliver(event, bytes);
  }

  private deliver(event: StorageWatchEvent, bytes: number): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
    this.sizes.push(bytes);
    this.meter.add(bytes);
  }

  /** No more events after the buffered ones; the consumer drains them, then iteration ends. */
  end(final?: StorageWatchEvent): void {
    if (this.isClosed) return;
    if (final) this.deliver(final, 0);
    this.ended = true;
    this.meter.clearTimer();
    this.onClose(this);
    if (this.waiter && this.backlog === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
    if (this.backlog > 0) {
      // a consumer that does not come back for what is left must not pin it
      this.dropTimer = setTimeout(() => this.dropBuffer(), this.limits.stallTimeoutMs);
      this.dropTimer.unref();
    }
  }

  /** Closed for unresponsiveness: the buffer goes at once (the consumer was not reading it). */
  private closeStalled(): void {
    if (this.isClosed) return;
    this.stalled = true;
    this.overflowed = true;
    this.end();
    this.dropBuffer();
    this.abort.abort();
  }

  private dropBuffer(): void {
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    this.initialOver();
    this.buffer.clear();
    this.sizes.clear();
    this.meter.reset();
  }

  stop(): void {
    if (this.stopped) return;
    const wasEnded = this.ended;
    this.stopped = true;
    this.dropBuffer();
    if (!wasEnded) this.onClose(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  private nextInitial(): StorageWatchEvent | undefined {
    const init = this.initial;
    while (init && init.next < init.items.length) {
      const object = init.items.at(init.next++);
      if (object) return { type: 'ADDED', object, revision: Number(object.metadata?.resourceVersion ?? init.revision) };
    }
    this.initialOver();
    return undefined;
  }

  private shift(): StorageWatchEvent | undefined {
    if (this.initial) {
      const ev = this.nextInitial();
      if (ev) return ev;
    }
    const ev = this.buffer.shift();
    if (ev === undefined) return undefined;
    this.meter.remove(this.sizes.shift() ?? 0);
    if (this.buffer.length === 0 && this.dropTimer) {
      clearTimeout(this.dropTimer);
      this.dropTimer = undefined;
    }
    return ev;
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent> {
    return {
      next: () => {
        const ev = this.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (this.isClosed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
