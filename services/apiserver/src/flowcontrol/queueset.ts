import { dealHand } from './shuffle-shard';

/** How a limited priority level holds requests it cannot run at once. */
export interface QueuingConfig {
  /** Seats this level may occupy at a time. */
  concurrencyLimit: number;
  /** 0 means Reject: what does not fit is refused at once. */
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

/** What a dispatched request gives back when it is done. */
export type Release = () => void;

interface Waiter {
  hash: bigint;
  seats: number;
  grant(release: Release | undefined): void;
  timer?: NodeJS.Timeout;
}

/**
 * A priority level's seats and queues (upstream's queueset, simplified): a flow
 * is shuffle-sharded onto handSize of the queues and joins the shortest one;
 * free seats go to queue heads in round-robin order, so one busy flow cannot
 * starve the others sharing the level.
 */
export class QueueSet {
  private queues: Waiter[][] = [];
  private executingSeats = 0;
  private next = 0;
  /** requests in the queues, so the uncontended path never walks every queue */
  private queued = 0;

  constructor(private config: QueuingConfig) {
    this.queues = Array.from({ length: config.queues }, () => []);
  }

  get seatsInUse(): number {
    return this.executingSeats;
  }

  get waiting(): number {
    return this.queued;
  }

  /** A new configuration: waiting requests are dealt again onto the new queues. */
  reconfigure(config: QueuingConfig): void {
    const waiting = this.queues.flat();
    this.config = config;
    this.queues = Array.from({ length: config.queues }, () => []);
    this.next = 0;
    this.queued = 0;
    for (const w of waiting) {
      if (config.queues === 0) this.drop(w);
      else this.enqueue(this.queues[this.shortestOf(w.hash)], w);
    }
    this.dispatch();
  }

  /**
   * Resolves with a release once the request may run, or undefined when it is
   * rejected: no queue room, Reject type, or waitLimitMs passed while queued.
   */
  acquire(hash: bigint, seats: number, waitLimitMs: number): Promise<Release | undefined> {
    const now = this.tryStart(seats);
    if (now) return Promise.resolve(now);
    const width = this.width(seats);
    if (this.config.queues === 0) return Promise.resolve(undefined);
    const index = this.shortestOf(hash);
    const queue = this.queues[index];
    if (queue.length >= this.config.queueLengthLimit) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = { hash, seats: width, grant: resolve };
      waiter.timer = setTimeout(() => this.drop(waiter), waitLimitMs);
      this.enqueue(queue, waiter);
      this.dispatch();
    });
  }

  /** The release of a request that may run at once (nothing queued and room for it), else undefined. */
  tryStart(seats: number): Release | undefined {
    const width = this.width(seats);
    return this.queued === 0 && this.fits(width) ? this.start(width) : undefined;
  }

  private width(seats: number): number {
    return Math.max(1, Math.min(seats, this.config.concurrencyLimit || 1));
  }

  private fits(seats: number): boolean {
    // a request wider than the whole level still runs, alone
    return this.executingSeats + seats <= this.config.concurrencyLimit || this.executingSeats === 0;
  }

  private start(seats: number): Release {
    this.executingSeats += seats;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.executingSeats -= seats;
      this.dispatch();
    };
  }

  /** The hand's queue with the fewest waiting seats (ties: first in the hand). */
  private shortestOf(hash: bigint): number {
    const n = this.queues.length;
    const hand = dealHand(hash, n, Math.min(this.config.handSize, n));
    let best = hand[0];
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const i of hand) {
      const load = this.queues[i].reduce((s, w) => s + w.seats, 0);
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  }

  private enqueue(queue: Waiter[], w: Waiter): void {
    queue.push(w);
    this.queued++;
  }

  private drop(w: Waiter): void {
    for (const q of this.queues) {
      const i = q.indexOf(w);
      if (i < 0) continue;
      q.splice(i, 1);
      this.queued--;
    }
    if (w.timer) clearTimeout(w.timer);
    w.grant(undefined);
  }

  private dispatch(): void {
    const n = this.queues.length;
    for (let scanned = 0; scanned < n && this.queued > 0;) {
      const queue = this.queues[this.next];
      this.next = (this.next + 1) % n;
      const head = queue[0];
      if (!head || !this.fits(head.seats)) {
        scanned++;
        continue;
      }
      queue.shift();
      this.queued--;
      if (head.timer) clearTimeout(head.timer);
      head.grant(this.start(head.seats));
      scanned = 0;
    }
  }
}
