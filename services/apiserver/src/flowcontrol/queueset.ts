import { realClock, type Clock } from './clock';
import { SeatDemandIntegrator } from './integrator';
import { NOOP_OBSERVER, type FlowSeries, type LevelSeries, type RejectReason } from './observer';
import { dealHand } from './shuffle-shard';

/** How a priority level holds requests it cannot run at once. */
export interface QueuingConfig {
  /** Below 0: exempt, never limited; 0: Reject, what does not fit is refused at once; above 0: the number of queues. */
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

/** What a dispatched request gives back when it is done; returns how long it ran (ms). */
export type Release = () => number;

/** Run (release when done) or refused; either way after waitedMs in a queue. */
export type Outcome =
  | { release: Release; rejected?: undefined; waitedMs: number }
  | { release?: undefined; rejected: RejectReason; waitedMs: number };

export interface RequestSpec {
  /** the flow's hash, for shuffle sharding */
  hash: bigint;
  /** seats while it runs */
  seats: number;
  /** seats kept after it finished, for additionalLatencyMs (a write's watch events) */
  finalSeats?: number;
  additionalLatencyMs?: number;
  flow: FlowSeries;
  /** how long it may wait in its queue before it is refused */
  waitLimitMs: number;
  /** Registers a callback for the client going away while the request waits; returns its removal. */
  onGone?: (cb: () => void) => () => void;
}

/** Upstream's G: the service time a dispatched request is assumed to take, in seconds. */
const ESTIMATED_SERVICE_SECONDS = 0.003;
/** Upstream's largest SeatSeconds (nanosecond resolution in 64 bits); R is wound back by half of it long before. */
const MAX_SEAT_SECONDS = 2 ** 64 / 1e9;
const R_DECREMENT = MAX_SEAT_SECONDS / 2;
const HIGH_R = R_DECREMENT + R_DECREMENT / 2;
/** Hands dealt are remembered per flow hash; a flood of distinct flows only empties the memo. */
const MAX_REMEMBERED_HANDS = 10_000;

class Queue {
  readonly waiting: Waiter[] = [];
  waitingSeats = 0;
  /** seat-seconds the waiting requests are estimated to take */
  waitingWork = 0;
  seatsInUse = 0;
  executing = 0;
  /** the virtual time (seat-seconds of R) at which its next request is due */
  nextDispatchR = 0;

  constructor(readonly index: number) {}

  get active(): boolean {
    return this.waiting.length > 0 || this.executing > 0;
  }
}

interface Waiter {
  queue: Queue;
  /** the most it holds at once: max(initial, final) */
  seats: number;
  initialSeats: number;
  lingerMs: number;
  /** seat-seconds: initial seats for G, final seats for the linger */
  work: number;
  flow: FlowSeries;
  arrivalR: number;
  arrivedMs: number;
  outcome?: Outcome;
  settle?: (o: Outcome) => void;
  cancelTimer?: () => void;
  unsubscribe?: () => void;
}

/**
 * One priority level's seats and queues, as upstream's queueset: fair queuing
 * by virtual time. R advances at the seats each active queue could use; a
 * flow is shuffle-sharded onto handSize queues and joins the one with the
 * least work waiting; free seats go to the queue whose head would finish
 * first in virtual time, and a queue is charged for the time its requests
 * actually ran. A request wider than the level runs alone.
 */
export class QueueSet {
  private queues: Queue[] = [];
  private currentR = 0;
  private lastSyncMs: number;
  /** the queue last dispatched from; the scan for the next one starts after it */
  private robinIndex = -1;
  private enqueues = 0;
  private totWaiting = 0;
  private totSeatsWaiting = 0;
  private totExecuting = 0;
  private totSeatsInUse = 0;
  private activeQueues = 0;
  private queuelessSeats = 0;
  /**
   * The clock read once per operation (a request's arrival, release or
   * ejection, a reconfiguration) and shared by everything it updates: clock
   * reads are not free, and a request should not pay for several.
   */
  private now: number;
  private hands = new Map<bigint, number[]>();
  /** seats in use plus seats waiting over time, for borrowing */
  readonly demand: SeatDemandIntegrator;

  constructor(
    private config: QueuingConfig,
    private limit: number,
    private readonly clock: Clock = realClock,
    private readonly series: LevelSeries = NOOP_OBSERVER.level(''),
  ) {
    this.now = this.lastSyncMs = clock.now();
    this.demand = new SeatDemandIntegrator(clock);
    this.addQueues(config.queues);
  }

  /** The clock as last read (at the latest arrival, dispatch or release), for callers timing along with it. */
  get clockReading(): number {
    return this.now;
  }

  get concurrencyLimit(): number {
    return this.limit;
  }
  get seatsInUse(): number {
    return this.totSeatsInUse;
  }
  get executing(): number {
    return this.totExecuting;
  }
  get waiting(): number {
    return this.totWaiting;
  }

  /** A new queuing configuration: queues are added at once, surplus ones removed as they empty. */
  reconfigure(config: QueuingConfig): void {
    this.tick();
    this.config = config;
    this.hands.clear();
    this.addQueues(config.queues);
    this.trimQueues();
    this.dispatchAsMuchAsPossible();
  }

  /** The seats the level may use now (borrowing moves it between the nominal's bounds). */
  setConcurrencyLimit(limit: number): void {
    this.tick();
    this.limit = limit;
    this.dispatchAsMuchAsPossible();
  }

  /**
   * The request's fate: a release at once when it runs now; a promise of one
   * when it waits; a rejection when there is no room, the wait limit passes or
   * the client goes away first.
   */
  acquire(spec: RequestSpec): Outcome | Promise<Outcome> {
    const initialSeats = Math.max(1, spec.seats);
    const finalSeats = spec.finalSeats ?? 0;
    const lingerMs = finalSeats > 0 ? (spec.additionalLatencyMs ?? 0) : 0;
    const seats = Math.max(initialSeats, finalSeats);
    this.now = this.clock.now();
    if (this.config.queues <= 0 || this.queues.length === 0) return this.withoutQueues(seats, lingerMs, spec.flow);
    this.syncTime();
    const queue = this.queues[this.shuffleShard(spec.hash)];
    if (this.totSeatsInUse >= this.limit && queue.waiting.length >= this.config.queueLengthLimit) {
      spec.flow.rejected('queue-full');
      return { rejected: 'queue-full', waitedMs: 0 };
    }
    const work = initialSeats * ESTIMATED_SERVICE_SECONDS + (finalSeats * lingerMs) / 1000;
    const waiter: Waiter = {
      queue,
      seats,
      initialSeats,
      lingerMs,
      work,
      flow: spec.flow,
      arrivalR: this.currentR,
      arrivedMs: this.now,
    };
    if (!queue.active) {
      queue.nextDispatchR = this.currentR;
      this.activeQueues++;
    }
    if (this.totWaiting === 0 && this.totSeatsInUse < this.limit && this.canAccommodate(seats)) {
      // Nothing waits and it fits: enqueued and dispatched in one step, with the same accounting
      // (and metrics) as the round trip through the queue, less the array and promise traffic.
      spec.flow.enqueued(seats, 1);
      if (queue.nextDispatchR < waiter.arrivalR) queue.nextDispatchR = waiter.arrivalR;
      const s = queue.nextDispatchR;
      const ds = s - queue.seatsInUse * ESTIMATED_SERVICE_SECONDS;
      return this.begin(queue, waiter, s, s, ds, ds);
    }
    queue.waiting.push(waiter);
    queue.waitingSeats += seats;
    queue.waitingWork += work;
    this.totWaiting++;
    this.totSeatsWaiting += seats;
    spec.flow.enqueued(seats, queue.waiting.length);
    this.boundNextDispatch(queue);
    this.demandChanged();
    if (this.totWaiting === 1) {
      // the only request waiting is this one: no scan over the queues is needed to find it
      const s = queue.nextDispatchR;
      const ds = s - queue.seatsInUse * ESTIMATED_SERVICE_SECONDS;
      if (this.totSeatsInUse < this.limit) this.dispatchHead(queue, s, s, ds, ds);
    } else this.dispatchAsMuchAsPossible();
    if (waiter.outcome) return waiter.outcome;
    return new Promise<Outcome>((resolve) => {
      waiter.settle = resolve;
      // as upstream's wait context: its deadline and the client's going away end the wait alike
      waiter.cancelTimer = this.clock.after(spec.waitLimitMs, () => this.eject(waiter, 'cancelled'));
      waiter.unsubscribe = spec.onGone?.(() => this.eject(waiter, 'cancelled'));
    });
  }

  /** Exempt levels run everything; Reject levels what fits. Both are still counted, for borrowing and metrics. */
  private withoutQueues(seats: number, lingerMs: number, flow: FlowSeries): Outcome {
    if (this.config.queues === 0 && !this.canAccommodate(seats)) {
      flow.rejected('concurrency-limit');
      return { rejected: 'concurrency-limit', waitedMs: 0 };
    }
    this.totExecuting++;
    this.totSeatsInUse += seats;
    this.queuelessSeats += seats;
    flow.executing(1);
    flow.seatsInUse(seats);
    this.demandChanged();
    const freeSeats = (): void => {
      this.totSeatsInUse -= seats;
      this.queuelessSeats -= seats;
      flow.seatsInUse(-seats);
      this.demandChanged();
      this.dispatchAsMuchAsPossible();
    };
    const startedMs = this.now;
    let done = false;
    return {
      waitedMs: 0,
      release: () => {
        if (done) return 0;
        done = true;
        this.now = this.clock.now();
        this.totExecuting--;
        flow.executing(-1);
        this.lingerThen(lingerMs, freeSeats);
        return this.now - startedMs;
      },
    };
  }

  private tick(): void {
    this.now = this.clock.now();
    this.syncTime();
  }

  /** A write's final seats stay taken while its watch events go out; freeSeats reports the change either way. */
  private lingerThen(lingerMs: number, freeSeats: () => void): void {
    if (lingerMs <= 0) return freeSeats();
    this.demandChanged();
    this.clock.after(lingerMs, () => {
      this.now = this.clock.now();
      freeSeats();
    });
  }

  private addQueues(wanted: number): void {
    for (let i = this.queues.length; i < wanted; i++) this.queues.push(new Queue(i));
  }

  /** Queues beyond the configured number leave once empty, from the end (new requests never reach them). */
  private trimQueues(): void {
    const wanted = Math.max(0, this.config.queues);
    while (this.queues.length > wanted && !this.queues[this.queues.length - 1].active) this.queues.pop();
    if (this.robinIndex >= this.queues.length) this.robinIndex = this.queues.length - 1;
  }

  private shuffleShard(hash: bigint): number {
    let hand = this.hands.get(hash);
    if (!hand) {
      hand = dealHand(hash, this.config.queues, Math.min(this.config.handSize, this.config.queues));
      if (this.hands.size >= MAX_REMEMBERED_HANDS) this.hands.clear();
      this.hands.set(hash, hand);
    }
    // starting the look at a rotating card keeps flows with overlapping hands from favouring the first
    const offset = this.enqueues++ % hand.length;
    let best = hand[offset];
    let bestWork = Number.POSITIVE_INFINITY;
    for (let i = 0; i < hand.length; i++) {
      const index = hand[(offset + i) % hand.length];
      const work = this.queues[index].waitingWork;
      if (work < bestWork) {
        best = index;
        bestWork = work;
      }
    }
    return best;
  }

  /** Advances R as if the present state had held since the last change. */
  private syncTime(): void {
    const elapsed = (this.now - this.lastSyncMs) / 1000;
    this.lastSyncMs = this.now;
    if (elapsed <= 0 || this.activeQueues === 0) return;
    const demand = this.queueSeatDemand();
    this.currentR += (Math.min(demand, this.limit) / this.activeQueues) * elapsed;
    if (this.currentR >= HIGH_R) this.advanceEpoch();
    this.series.currentR(this.currentR);
  }

  /** Seats the queues hold (executing and waiting); queueless executions (a Reject or exempt spell) do not count. */
  private queueSeatDemand(): number {
    return this.totSeatsWaiting + this.totSeatsInUse - this.queuelessSeats;
  }

  private advanceEpoch(): void {
    this.currentR -= R_DECREMENT;
    for (const q of this.queues) {
      if (!q.active) {
        q.nextDispatchR = 0;
        continue;
      }
      q.nextDispatchR -= R_DECREMENT;
      for (const w of q.waiting) w.arrivalR -= R_DECREMENT;
    }
    this.series.epochAdvance(true);
  }

  private canAccommodate(seats: number): boolean {
    if (this.config.queues < 0) return true;
    if (seats > this.limit) return this.totExecuting === 0;
    return this.totSeatsInUse + seats <= this.limit;
  }

  /** Anti-windup: a queue's next dispatch is never before its oldest request arrived. */
  private boundNextDispatch(queue: Queue): void {
    const head = queue.waiting[0];
    if (head && queue.nextDispatchR < head.arrivalR) queue.nextDispatchR = head.arrivalR;
  }

  /** After any change of what runs or waits: the seat demand integrator and the utilization metrics. */
  private demandChanged(): void {
    this.demand.set(this.totSeatsInUse + this.totSeatsWaiting, this.now);
    this.series.occupancy(this.totSeatsInUse, this.totSeatsWaiting, this.totExecuting, this.totWaiting, this.now);
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.totWaiting > 0 && this.totSeatsInUse < this.limit && this.dispatchOne());
  }

  private dispatchOne(): boolean {
    const n = this.queues.length;
    let best: Queue | undefined;
    let bestFinish = Number.POSITIVE_INFINITY;
    let sMin = Number.POSITIVE_INFINITY;
    let sMax = Number.NEGATIVE_INFINITY;
    let dsMin = Number.POSITIVE_INFINITY;
    let dsMax = Number.NEGATIVE_INFINITY;
    for (let k = 1; k <= n; k++) {
      const q = this.queues[(this.robinIndex + k) % n];
      const head = q.waiting[0];
      if (!head) continue;
      const s = q.nextDispatchR;
      const discounted = s - q.seatsInUse * ESTIMATED_SERVICE_SECONDS;
      sMin = Math.min(sMin, s);
      sMax = Math.max(sMax, s);
      dsMin = Math.min(dsMin, discounted);
      dsMax = Math.max(dsMax, discounted);
      const finish = s + head.work;
      if (finish < bestFinish) {
        bestFinish = finish;
        best = q;
      }
    }
    return best ? this.dispatchHead(best, sMin, sMax, dsMin, dsMax) : false;
  }

  /** Starts the queue's oldest request if the level has room for it. */
  private dispatchHead(best: Queue, sMin: number, sMax: number, dsMin: number, dsMax: number): boolean {
    const head = best.waiting[0];
    if (!head) return false;
    if (!this.canAccommodate(head.seats)) {
      head.flow.noAccommodation();
      return false;
    }
    best.waiting.shift();
    best.waitingSeats -= head.seats;
    best.waitingWork -= head.work;
    this.totWaiting--;
    this.totSeatsWaiting -= head.seats;
    this.settle(head, this.begin(best, head, sMin, sMax, dsMin, dsMax));
    return true;
  }

  /** The request leaves its queue (already out of the waiting list) and runs. */
  private begin(queue: Queue, w: Waiter, sMin: number, sMax: number, dsMin: number, dsMax: number): Outcome {
    w.flow.dequeued(w.seats);
    // ties next time go to the queues after this one
    this.robinIndex = queue.index;
    this.series.dispatch(this.currentR, queue.nextDispatchR, sMin, sMax, dsMin, dsMax);
    queue.executing++;
    queue.seatsInUse += w.seats;
    this.totExecuting++;
    this.totSeatsInUse += w.seats;
    queue.nextDispatchR += w.work;
    w.flow.executing(1);
    w.flow.seatsInUse(w.seats);
    this.boundNextDispatch(queue);
    this.demandChanged();
    return { release: this.releaseFor(queue, w), waitedMs: this.now - w.arrivedMs };
  }

  private releaseFor(queue: Queue, w: Waiter): Release {
    const startedMs = this.now;
    const freeSeats = (): void => {
      this.syncTime();
      queue.seatsInUse -= w.seats;
      this.totSeatsInUse -= w.seats;
      w.flow.seatsInUse(-w.seats);
      this.demandChanged();
      this.trimQueues();
      this.dispatchAsMuchAsPossible();
    };
    let done = false;
    return () => {
      if (done) return 0;
      done = true;
      this.tick();
      queue.executing--;
      this.totExecuting--;
      // the queue is charged for the time the request really took instead of the estimate
      const served = (this.now - startedMs) / 1000;
      queue.nextDispatchR -= w.initialSeats * (ESTIMATED_SERVICE_SECONDS - served);
      this.boundNextDispatch(queue);
      if (!queue.active) this.activeQueues--;
      w.flow.executing(-1);
      this.lingerThen(w.lingerMs, freeSeats);
      return served * 1000;
    };
  }

  /** A waiting request leaves its queue at once (wait limit passed, or its client went away). */
  private eject(w: Waiter, reason: RejectReason): void {
    if (w.outcome) return;
    const queue = w.queue;
    const i = queue.waiting.indexOf(w);
    if (i < 0) return;
    this.tick();
    queue.waiting.splice(i, 1);
    queue.waitingSeats -= w.seats;
    queue.waitingWork -= w.work;
    this.totWaiting--;
    this.totSeatsWaiting -= w.seats;
    if (!queue.active) this.activeQueues--;
    w.flow.dequeued(w.seats);
    w.flow.rejected(reason);
    this.boundNextDispatch(queue);
    this.demandChanged();
    this.settle(w, { rejected: reason, waitedMs: this.now - w.arrivedMs });
    this.trimQueues();
    // a wide request that left the head may have been what held the others back
    this.dispatchAsMuchAsPossible();
  }

  private settle(w: Waiter, outcome: Outcome): void {
    w.outcome = outcome;
    w.cancelTimer?.();
    w.unsubscribe?.();
    w.settle?.(outcome);
  }
}
