import assert from 'node:assert/strict';
import type { StorageWatchEvent, Watcher } from '../../src/storage/interface';

/**
 * Reads one watch with timeouts. A next() that timed out stays pending and
 * receives the next event, so the reader keeps it for the following read
 * instead of losing that event.
 */
export class EventReader {
  private readonly it: AsyncIterator<StorageWatchEvent>;
  private pending?: Promise<IteratorResult<StorageWatchEvent>>;

  constructor(w: Watcher) {
    this.it = w[Symbol.asyncIterator]();
  }

  /** The next event, undefined when the watch ended, 'timeout' when none came within ms. */
  async next(ms: number): Promise<StorageWatchEvent | undefined | 'timeout'> {
    this.pending ??= this.it.next();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.pending,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') return r;
    this.pending = undefined;
    return r.done ? undefined : r.value;
  }

  /** The next n events; fails when they do not come in time or the watch ends first. */
  async take(n: number, timeoutMs = 5000): Promise<StorageWatchEvent[]> {
    const out: StorageWatchEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < n) {
      const r = await this.next(deadline - Date.now());
      if (r === 'timeout') assert.fail(`got ${out.length} of ${n} events`);
      if (r === undefined) assert.fail(`watch ended after ${out.length} of ${n} events`);
      out.push(r);
    }
    return out;
  }

  /** Events that arrive within ms (none expected, usually). */
  async within(ms: number): Promise<StorageWatchEvent[]> {
    const out: StorageWatchEvent[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await this.next(deadline - Date.now());
      if (r === 'timeout' || r === undefined) return out;
      out.push(r);
    }
  }
}
