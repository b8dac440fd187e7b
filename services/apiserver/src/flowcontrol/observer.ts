/**
 * Why APF refused a request (upstream 1.32's reason label values): no queue
 * room, no seat at a Reject level, or its wait ended (the wait limit, derived
 * from the request's deadline, passed or the client went away).
 */
export type RejectReason = 'queue-full' | 'concurrency-limit' | 'cancelled';

/** What happens to the requests of one (priority level, flow schema) pair, for the apiserver_flowcontrol_* metrics. */
export interface FlowSeries {
  enqueued(seats: number, queueLength: number): void;
  /** left its queue: dispatched, timed out or cancelled */
  dequeued(seats: number): void;
  /** a request starts (1) or finishes (-1) executing */
  executing(delta: 1 | -1): void;
  /** seats taken or given back (a write's seats outlast it while its watch events go out) */
  seatsInUse(delta: number): void;
  dispatched(): void;
  rejected(reason: RejectReason): void;
  noAccommodation(): void;
  waited(seconds: number, executed: boolean): void;
  executed(seconds: number, watch: boolean): void;
  estimatedSeats(seats: number): void;
  watchCount(count: number): void;
}

/** The virtual clock and limits of one priority level. */
export interface LevelSeries {
  currentR(r: number): void;
  dispatch(r: number, s: number, sMin: number, sMax: number, dsMin: number, dsMax: number): void;
  epochAdvance(success: boolean): void;
  /** what runs and waits now, for the utilization and demand histograms */
  occupancy(seatsInUse: number, seatsWaiting: number, executing: number, waiting: number, nowMs: number): void;
  /** what occupancy is measured against: the current seat limit (or a tenth of the server's), the queues' room */
  denominators(seats: number, waitingRoom: number): void;
  limits(nominal: number, lower: number, upper: number): void;
  adjustment(a: {
    highWatermark: number;
    average: number;
    stdDev: number;
    smoothed: number;
    target: number;
    currentLimit: number;
  }): void;
}

/** Upstream's request kinds: get, list and watch read; everything else writes. */
export type RequestKind = 'readOnly' | 'mutating';

/** Requests of one kind waiting and executing over all levels. */
export interface KindSeries {
  waiting(delta: 1 | -1, nowMs: number): void;
  executing(delta: 1 | -1, nowMs: number): void;
}

export interface FlowControlObserver {
  flow(level: string, schema: string): FlowSeries;
  level(level: string): LevelSeries;
  kind(kind: RequestKind): KindSeries;
  /** what the kinds' counts are measured against: all queues' room, all levels' nominal seats */
  capacity(waitingRoom: number, seats: number): void;
  fairFrac(value: number): void;
}

const noop = (): void => undefined;
const NOOP_FLOW: FlowSeries = {
  enqueued: noop,
  dequeued: noop,
  executing: noop,
  seatsInUse: noop,
  dispatched: noop,
  rejected: noop,
  noAccommodation: noop,
  waited: noop,
  executed: noop,
  estimatedSeats: noop,
  watchCount: noop,
};
const NOOP_LEVEL: LevelSeries = {
  currentR: noop,
  dispatch: noop,
  epochAdvance: noop,
  occupancy: noop,
  denominators: noop,
  limits: noop,
  adjustment: noop,
};

const NOOP_KIND: KindSeries = { waiting: noop, executing: noop };

/** For a FlowControl nobody scrapes (unit tests, --enable-priority-and-fairness without metrics). */
export const NOOP_OBSERVER: FlowControlObserver = {
  flow: () => NOOP_FLOW,
  level: () => NOOP_LEVEL,
  kind: () => NOOP_KIND,
  capacity: noop,
  fairFrac: noop,
};
