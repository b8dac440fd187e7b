import type { KubeObject } from '../api/object';
import type { StorageWatchEvent, Watcher } from './interface';

/** What a cached watcher selects: one key, or every key under a prefix, optionally filtered. */
export interface WatchSelection {
  /** A collection prefix (ends with '/') or, when recursive is false, one object's key. */
  key: string;
  recursive: boolean;
  predicate?: (obj: KubeObject) => boolean;
  progressNotify: boolean;
}

/**
 * The consumer side of one watch served by the watch cache. Events are pushed
 * synchronously by the cache's fan-out; the consumer pulls them by async
 * iteration. The buffer is bounded: a consumer that falls more than `limit`
 * events behind is cut off (the watch ends after what is already buffered, and
 * the client watches again from the last revision it saw), so one slow client
 * neither blocks the fan-out nor grows memory without bound.
 */
export class CacheWatcher implements Watcher {
  /** Events with revision at or below this are not delivered (already covered by the start point). */
  lastRevision: number;
  /** Revision of the last event or BOOKMARK handed to the consumer. */
  sentRevision: number;
  /** Set when the watcher was ended because its consumer fell too far behind. */
  overflowed = false;
  private buffer: StorageWatchEvent[] = [];
  private head = 0;
  private waiter?: (r: IteratorResult<StorageWatchEvent>) => void;
  private ended = false;
  private stopped = false;

  constructor(
    readonly selection: WatchSelection,
    startRevision: number,
    private limit: number,
    private readonly onClose: (w: CacheWatcher) => void,
  ) {
    this.lastRevision = startRevision;
    this.sentRevision = startRevision;
  }

  get isClosed(): boolean {
    return this.ended || this.stopped;
  }

  /** Number of events waiting for the consumer. */
  get backlog(): number {
    return this.buffer.length - this.head;
  }

  /** Raises the bound once, for the initial events a watch starts with. */
  allowExtra(n: number): void {
    this.limit += n;
  }

  matchesKey(key: string): boolean {
    const sel = this.selection;
    return sel.recursive ? key.startsWith(sel.key) : key === sel.key;
  }

  push(event: StorageWatchEvent): void {
    if (this.isClosed) return;
    if (!this.waiter && this.backlog >= this.limit) {
      this.overflowed = true;
      this.end();
      return;
    }
    if (event.revision > this.sentRevision) this.sentRevision = event.revision;
    this.deliver(event);
  }

  private deliver(event: StorageWatchEvent): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
  }

  /** No more events after the buffered ones; the consumer drains them, then iteration ends. */
  end(final?: StorageWatchEvent): void {
    if (this.isClosed) return;
    if (final) this.deliver(final);
    this.ended = true;
    this.onClose(this);
    if (this.waiter && this.backlog === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  stop(): void {
    if (this.stopped) return;
    const wasEnded = this.ended;
    this.stopped = true;
    this.buffer = [];
    this.head = 0;
    if (!wasEnded) this.onClose(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  private shift(): StorageWatchEvent | undefined {
    if (this.head >= this.buffer.length) return undefined;
    const ev = this.buffer[this.head++];
    // Compact now and then instead of shifting the array on every read.
    if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    } else if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
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
