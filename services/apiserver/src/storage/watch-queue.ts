import { Fifo } from './fifo';
import type { StorageWatchEvent, Watcher } from './interface';
import { BacklogMeter, DEFAULT_WATCHER_LIMITS, type WatcherLimits } from './watch-limits';

/**
 * Buffers events between a backend watch (push) and the consumer (async
 * iteration). Stopping drops whatever is still buffered, as a closed upstream
 * watch channel does; ending (after an error) lets the consumer drain first.
 * A backend watch cannot be slowed down, so the buffer is not cut at a size
 * (a burst from etcd may legitimately exceed any bound before the consumer
 * runs); instead a queue that stays at half its bound for the stall timeout,
 * i.e. whose consumer is not reading, is closed and its buffer released. Its
 * consumer sees the stream end after a prefix of the events, never a gap.
 */
/** A sequence of events produced on demand. */
export interface InitialEvents {
  readonly length: number;
  at(index: number): StorageWatchEvent;
}

export class EventQueue implements Watcher {
  /** Set when the queue was closed because its consumer stopped reading. */
  stalled = false;
  private readonly buffer = new Fifo<StorageWatchEvent>();
  /** Events produced one at a time ahead of the buffer (see startWith). */
  private initial: { events: InitialEvents; next: number } | undefined;
  private waiter?: (r: IteratorResult<StorageWatchEvent>) => void;
  private ended = false;
  private stopped = false;
  private readonly onStop: () => void;
  private readonly meter: BacklogMeter;
  private readonly abort = new AbortController();

  constructor(onStop: () => void, limits: WatcherLimits = DEFAULT_WATCHER_LIMITS) {
    this.onStop = onStop;
    this.meter = new BacklogMeter(limits, () => this.closeStalled(), false);
  }

  get isClosed(): boolean {
    return this.ended || this.stopped;
  }

  get closedByStorage(): AbortSignal {
    return this.abort.signal;
  }

  /** Number of events waiting for the consumer. */
  get backlog(): number {
    return this.buffer.length + (this.initial ? this.initial.events.length - this.initial.next : 0);
  }

  /**
   * Events the consumer reads first, each produced only when it is read (a watch's
   * initial state, decoded as it goes). They are the store's state, bounded by it, so
   * they do not count as a backlog of a consumer that stopped reading: a large initial
   * state that takes a while to read does not close the queue as stalled.
   */
  startWith(events: InitialEvents): void {
    if (this.isClosed || events.length === 0) return;
    this.initial = { events, next: 0 };
  }

  push(event: StorageWatchEvent): void {
    if (this.isClosed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
      return;
    }
    this.buffer.push(event);
    this.meter.add(0);
  }

  /** No more events after those buffered; the backend watch is released. */
  end(): void {
    if (this.isClosed) return;
    this.ended = true;
    this.meter.clearTimer();
    this.onStop();
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
    this.initial = undefined;
    this.buffer.clear();
    this.meter.reset();
    if (!wasEnded) this.onStop();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  private closeStalled(): void {
    if (this.isClosed) return;
    this.stalled = true;
    this.stop();
    this.abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent> {
    return {
      next: () => {
        const init = this.initial;
        if (init) {
          const event = init.events.at(init.next++);
          if (init.next >= init.events.length) this.initial = undefined;
          return Promise.resolve({ value: event, done: false });
        }
        const head = this.buffer.shift();
        if (head) {
          this.meter.remove(0);
          return Promise.resolve({ value: head, done: false });
        }
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
