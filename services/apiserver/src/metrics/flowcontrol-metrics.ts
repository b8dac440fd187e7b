import type {
  FlowControlObserver,
  FlowSeries,
  KindSeries,
  LevelSeries,
  RejectReason,
  RequestKind,
} from '../flowcontrol/observer';
import type { ReplicaMetrics } from './replica-metrics';
import { CounterFamily, GaugeFamily, HistogramFamily, TimingRatioHistogramFamily } from './series';

const PL = 'priority_level';
const FS = 'flow_schema';
const PREFIX = 'apiserver_flowcontrol_';

/** Upstream's queueLengthBuckets and requestDurationSecondsBuckets. */
const QUEUE_LENGTH_BUCKETS = [0, 10, 25, 50, 100, 250, 500, 1000];
const REQUEST_DURATION_BUCKETS = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];
const WATCH_COUNT_BUCKETS = [0, 1, 10, 100, 1000, 10000];
const WORK_SEATS_BUCKETS = [1, 2, 4, 10];
const SEAT_UTILIZATION_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];
const REQUEST_UTILIZATION_BUCKETS = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1];
const DEMAND_BUCKETS = [0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.7, 2, 2.8, 4, 6];
const READ_WRITE_BUCKETS = [0, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

function families(m: ReplicaMetrics) {
  const counter = (name: string, help: string, labels: string[]) =>
    m.add(new CounterFamily(PREFIX + name, help, labels));
  const gauge = (name: string, help: string, labels: string[]) => m.add(new GaugeFamily(PREFIX + name, help, labels));
  const histogram = (name: string, help: string, labels: string[], buckets: number[]) =>
    m.add(new HistogramFamily(PREFIX + name, help, labels, buckets));
  const timing = (name: string, help: string, labels: string[], buckets: number[]) =>
    m.add(new TimingRatioHistogramFamily(PREFIX + name, help, labels, buckets));
  return {
    seatUtilization: timing(
      'priority_level_seat_utilization',
      'Observations, at the end of every nanosecond, of utilization of seats for any stage of execution (but only initial stage for WATCHes); denominator is current seat limit or max(1, round(server seat limit/10))',
      ['phase', PL],
      SEAT_UTILIZATION_BUCKETS,
    ),
    requestUtilization: timing(
      'priority_level_request_utilization',
      'Observations, at the end of every nanosecond, of number of requests waiting or in any stage of execution (but only initial stage for WATCHes); denominator for waiting is max(1, QueueLengthLimit) X max(1, DesiredNumQueues), for executing is current seat limit if that is not zero otherwise max(1, round(server seat limit/10))',
      ['phase', PL],
      REQUEST_UTILIZATION_BUCKETS,
    ),
    readWrite: timing(
      'read_vs_write_current_requests',
      'Observations, at the end of every nanosecond, of the number of requests (as a fraction of the relevant limit) waiting or in regular stage of execution',
      ['phase', 'request_kind'],
      READ_WRITE_BUCKETS,
    ),
    demand: timing(
      'demand_seats',
      'Observations, at the end of every nanosecond, of (the number of seats each priority level could use) / (current seat limit for that level if that is not zero otherwise max(1, round(server seat limit/10.0)))',
      [PL],
      DEMAND_BUCKETS,
    ),
    rejected: counter('rejected_requests_total', 'Number of requests rejected by API Priority and Fairness subsystem', [
      PL,
      FS,
      'reason',
    ]),
    dispatched: counter(
      'dispatched_requests_total',
      'Number of requests executed by API Priority and Fairness subsystem',
      [PL, FS],
    ),
    currentR: gauge('current_r', 'R(time of last change)', [PL]),
    dispatchR: gauge('dispatch_r', 'R(time of last dispatch)', [PL]),
    latestS: gauge('latest_s', 'S(most recently dispatched request)', [PL]),
    nextSBounds: gauge('next_s_bounds', 'min and max, over queues, of S(oldest waiting request in queue)', [
      PL,
      'bound',
    ]),
    nextDiscountedSBounds: gauge(
      'next_discounted_s_bounds',
      'min and max, over queues, of S(oldest waiting request in queue) - estimated work in progress',
      [PL, 'bound'],
    ),
    inqueue: gauge(
      'current_inqueue_requests',
      'Number of requests currently pending in queues of the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    inqueueSeats: gauge(
      'current_inqueue_seats',
      'Number of seats currently pending in queues of the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    queueLength: histogram(
      'request_queue_length_after_enqueue',
      'Length of queue in the API Priority and Fairness subsystem, as seen by each request after it is enqueued',
      [PL, FS],
      QUEUE_LENGTH_BUCKETS,
    ),
    executingSeats: gauge(
      'current_executing_seats',
      'Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    executing: gauge(
      'current_executing_requests',
      'Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem',
      [PL, FS],
    ),
    waitSeconds: histogram(
      'request_wait_duration_seconds',
      'Length of time a request spent waiting in its queue',
      [PL, FS, 'execute'],
      REQUEST_DURATION_BUCKETS,
    ),
    executionSeconds: histogram(
      'request_execution_seconds',
      'Duration of initial stage (for a WATCH) or any (for a non-WATCH) stage of request execution in the API Priority and Fairness subsystem',
      [PL, FS, 'type'],
      REQUEST_DURATION_BUCKETS,
    ),
    watchCounts: histogram(
      'watch_count_samples',
      'count of watchers for mutating requests in API Priority and Fairness',
      [PL, FS],
      WATCH_COUNT_BUCKETS,
    ),
    epochAdvances: counter('epoch_advance_total', "Number of times the queueset's progress meter jumped backward", [
      PL,
      'success',
    ]),
    workSeats: histogram(
      'work_estimated_seats',
      'Number of estimated seats (maximum of initial and final seats) associated with requests in API Priority and Fairness',
      [PL, FS],
      WORK_SEATS_BUCKETS,
    ),
    noAccommodation: counter(
      'request_dispatch_no_accommodation_total',
      'Number of times a dispatch attempt resulted in a non accommodation due to lack of available seats',
      [PL, FS],
    ),
    nominal: gauge('nominal_limit_seats', 'Nominal number of execution seats configured for each priority level', [PL]),
    lower: gauge(
      'lower_limit_seats',
      'Configured lower bound on number of execution seats available to each priority level',
      [PL],
    ),
    upper: gauge(
      'upper_limit_seats',
      'Configured upper bound on number of execution seats available to each priority level',
      [PL],
    ),
    demandHighWatermark: gauge(
      'demand_seats_high_watermark',
      'High watermark, over last adjustment period, of demand_seats',
      [PL],
    ),
    demandAverage: gauge(
      'demand_seats_average',
      'Time-weighted average, over last adjustment period, of demand_seats',
      [PL],
    ),
    demandStdev: gauge(
      'demand_seats_stdev',
      'Time-weighted standard deviation, over last adjustment period, of demand_seats',
      [PL],
    ),
    demandSmoothed: gauge('demand_seats_smoothed', 'Smoothed seat demands', [PL]),
    target: gauge('target_seats', 'Seat allocation targets', [PL]),
    fairFrac: gauge(
      'seat_fair_frac',
      "Fair fraction of server's concurrency to allocate to each priority level that can use it",
      [],
    ),
    current: gauge(
      'current_limit_seats',
      'current derived number of execution seats available to each priority level',
      [PL],
    ),
  };
}

type Families = ReturnType<typeof families>;

function flowSeries(f: Families, pl: string, fs: string): FlowSeries {
  const inqueue = f.inqueue.with(pl, fs);
  const inqueueSeats = f.inqueueSeats.with(pl, fs);
  const queueLength = f.queueLength.with(pl, fs);
  const executing = f.executing.with(pl, fs);
  const executingSeats = f.executingSeats.with(pl, fs);
  const dispatched = f.dispatched.with(pl, fs);
  const workSeats = f.workSeats.with(pl, fs);
  // series that only some requests reach are made on first use, as upstream's WithLabelValues does
  const rejected = new Map<RejectReason, { value: number }>();
  let waitedTrue: ReturnType<typeof f.waitSeconds.with> | undefined;
  let waitedFalse: ReturnType<typeof f.waitSeconds.with> | undefined;
  let regular: ReturnType<typeof f.executionSeconds.with> | undefined;
  let watch: ReturnType<typeof f.executionSeconds.with> | undefined;
  let watchCounts: ReturnType<typeof f.watchCounts.with> | undefined;
  return {
    enqueued(seats, length) {
      inqueue.value++;
      inqueueSeats.value += seats;
      queueLength.observe(length);
    },
    dequeued(seats) {
      inqueue.value--;
      inqueueSeats.value -= seats;
    },
    executing(delta) {
      executing.value += delta;
    },
    seatsInUse(delta) {
      executingSeats.value += delta;
    },
    dispatched() {
      dispatched.value++;
    },
    rejected(reason) {
      let s = rejected.get(reason);
      if (!s) rejected.set(reason, (s = f.rejected.with(pl, fs, reason)));
      s.value++;
    },
    noAccommodation() {
      f.noAccommodation.with(pl, fs).value++;
    },
    waited(seconds, executed) {
      const s = executed
        ? (waitedTrue ??= f.waitSeconds.with(pl, fs, 'true'))
        : (waitedFalse ??= f.waitSeconds.with(pl, fs, 'false'));
      s.observe(seconds);
    },
    executed(seconds, isWatch) {
      const s = isWatch
        ? (watch ??= f.executionSeconds.with(pl, fs, 'watch'))
        : (regular ??= f.executionSeconds.with(pl, fs, 'regular'));
      s.observe(seconds);
    },
    estimatedSeats(seats) {
      workSeats.observe(seats);
    },
    watchCount(count) {
      (watchCounts ??= f.watchCounts.with(pl, fs)).observe(count);
    },
  };
}

function levelSeries(f: Families, pl: string): LevelSeries {
  const currentR = f.currentR.with(pl);
  const seats = f.seatUtilization.with('executing', pl);
  const executing = f.requestUtilization.with('executing', pl);
  const waiting = f.requestUtilization.with('waiting', pl);
  const demand = f.demand.with(pl);
  // every dispatch sets these: looked up at the first one (a level that never queues has none)
  let dispatchSeries: { value: number }[] | undefined;
  return {
    occupancy(seatsInUse, seatsWaiting, executingRequests, waitingRequests, nowMs) {
      seats.set(seatsInUse, nowMs);
      executing.set(executingRequests, nowMs);
      waiting.set(waitingRequests, nowMs);
      demand.set(seatsInUse + seatsWaiting, nowMs);
    },
    denominators(concurrency, waitingRoom) {
      seats.setDenominator(concurrency);
      executing.setDenominator(concurrency);
      demand.setDenominator(concurrency);
      waiting.setDenominator(waitingRoom);
    },
    currentR(r) {
      currentR.value = r;
    },
    dispatch(r, s, sMin, sMax, dsMin, dsMax) {
      const d = (dispatchSeries ??= [
        f.dispatchR.with(pl),
        f.latestS.with(pl),
        f.nextSBounds.with(pl, 'min'),
        f.nextSBounds.with(pl, 'max'),
        f.nextDiscountedSBounds.with(pl, 'min'),
        f.nextDiscountedSBounds.with(pl, 'max'),
      ]);
      d[0].value = r;
      d[1].value = s;
      d[2].value = sMin;
      d[3].value = sMax;
      d[4].value = dsMin;
      d[5].value = dsMax;
    },
    epochAdvance(success) {
      f.epochAdvances.with(pl, String(success)).value++;
    },
    limits(nominal, lower, upper) {
      f.nominal.with(pl).value = nominal;
      f.lower.with(pl).value = lower;
      f.upper.with(pl).value = upper;
    },
    adjustment(a) {
      f.demandHighWatermark.with(pl).value = a.highWatermark;
      f.demandAverage.with(pl).value = a.average;
      f.demandStdev.with(pl).value = a.stdDev;
      f.demandSmoothed.with(pl).value = a.smoothed;
      f.target.with(pl).value = a.target;
      f.current.with(pl).value = a.currentLimit;
    },
  };
}

function kindSeries(f: Families, kind: RequestKind): KindSeries {
  const waitingSeries = f.readWrite.with('waiting', kind);
  const executingSeries = f.readWrite.with('executing', kind);
  let waiting = 0;
  let executing = 0;
  return {
    waiting(delta, nowMs) {
      waitingSeries.set((waiting += delta), nowMs);
    },
    executing(delta, nowMs) {
      executingSeries.set((executing += delta), nowMs);
    },
  };
}

/**
 * The apiserver_flowcontrol_* metrics with upstream 1.32's names, labels and
 * buckets (its deprecated, hidden request_concurrency_limit and
 * request_concurrency_in_use are left out, as 1.32 leaves them out by
 * default). Each (level, schema) pair's series are looked up once and kept
 * with the cached classification, so a request only bumps numbers.
 */
export function flowControlObserver(metrics: ReplicaMetrics): FlowControlObserver {
  const f = families(metrics);
  const flows = new Map<string, FlowSeries>();
  const levels = new Map<string, LevelSeries>();
  const kinds = { readOnly: kindSeries(f, 'readOnly'), mutating: kindSeries(f, 'mutating') };
  return {
    kind: (kind) => kinds[kind],
    capacity(waitingRoom, seats) {
      for (const kind of ['readOnly', 'mutating'] as const) {
        f.readWrite.with('waiting', kind).setDenominator(waitingRoom);
        f.readWrite.with('executing', kind).setDenominator(seats);
      }
    },
    flow(pl, fs) {
      const key = `${pl}\u0000${fs}`;
      let s = flows.get(key);
      if (!s) flows.set(key, (s = flowSeries(f, pl, fs)));
      return s;
    },
    level(pl) {
      let s = levels.get(pl);
      if (!s) levels.set(pl, (s = levelSeries(f, pl)));
      return s;
    },
    fairFrac(value) {
      f.fairFrac.with().value = value;
    },
  };
}
