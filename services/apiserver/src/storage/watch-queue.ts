import type { StorageWatchEvent, Watcher } from './interface';

/**
 * Buffers events between a backend watch (push) and the consumer (async
 * iteration). Stopping drops whatever is still buffered, as a closed upstream
 * watch channel does; ending (after an error) lets the consumer drain first.
 */
export class EventQueue implements Watcher {
  private buffer: StorageWatchEvent[] = [];
  private waiter?: (r: IteratorResult<StorageWatchEvent>) => void;
  private ended = false;
  private stopped = false;
  private readonly onStop: () => void;

  constructor(onStop: () => void) {
    this.onStop = onStop;
  }

  get isClosed(): boolean {
    return this.ended || this.stopped;
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
  }

  /** No more events after those buffered; the backend watch is released. */
  end(): void {
    if (this.isClosed) return;
    this.ended = true;
    this.onStop();
    if (this.waiter && this.buffer.length === 0) {
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
    if (!wasEnded) this.onStop();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent> {
    return {
      next: () => {
        const head = this.buffer.shift();
        if (head) return Promise.resolve({ value: head, done: false });
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
