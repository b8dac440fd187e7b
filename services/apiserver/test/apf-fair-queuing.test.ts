import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserInfo } from '../src/authn/user';
import type { RequestInfo } from '../src/endpoints/request-info';
import type { ApiResponse } from '../src/endpoints/types';
import { allocateSeats } from '../src/flowcontrol/allocation';
import type { Clock } from '../src/flowcontrol/clock';
import { FlowControl } from '../src/flowcontrol/controller';
import { NOOP_OBSERVER } from '../src/flowcontrol/observer';
import { QueueSet, type Outcome, type RequestSpec } from '../src/flowcontrol/queueset';
import { dealHand, flowHash } from '../src/flowcontrol/shuffle-shard';
import type { FlowSchema, PriorityLevelConfiguration } from '../src/generated/k8s.io.api.flowcontrol.v1';
import { flowControlObserver } from '../src/metrics/flowcontrol-metrics';
import { ReplicaMetrics } from '../src/metrics/replica-metrics';
import { TimingRatioHistogramFamily } from '../src/metrics/series';
import { withPriorityAndFairness } from '../src/server/filters/priority-and-fairness';
import type { RequestContext } from '../src/server/filters/types';
import { parsePrometheusText } from './helpers/prometheus-text';

/** Time moves only when the test says so; timers fire in due order. */
class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const id = this.seq++;
    this.timers.set(id, { at: this.t + ms, fn });
    return () => this.timers.delete(id);
  }

  /** Moves to the earliest timer (or `limit`), fires everything due then, and lets promise callbacks run. */
  async step(limit: number): Promise<void> {
    let next = limit;
    for (const { at } of this.timers.values()) next = Math.min(next, at);
    this.t = Math.max(this.t, next);
    const due = [...this.timers.entries()].filter(([, v]) => v.at <= this.t).sort((a, b) => a[1].at - b[1].at);
    for (const [id, { fn }] of due) {
      this.timers.delete(id);
      fn();
    }
    await flush();
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) await this.step(end);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const spec = (hash: bigint, extra: Partial<RequestSpec> = {}): RequestSpec => ({
  hash,
  seats: 1,
  flow: NOOP_OBSERVER.flow('', ''),
  waitLimitMs: 60_000,
  ...extra,
});

async function settled(o: Outcome | Promise<Outcome>): Promise<Outcome> {
  return o instanceof Promise ? o : o;
}

describe('APF queue set: fair queuing by virtual time', () => {
  test('two flows under saturation get seat-time within 20% of each other, whatever their request durations', async () => {
    const clock = new FakeClock();
    const qs = new QueueSet({ queues: 8, handSize: 1, queueLengthLimit: 1000 }, 2, clock);
    const flows = { long: flowHash('fs', 'long'), short: flowHash('fs', 'short') };
    // the two must be in different queues for fair queuing to have something to do
    assert.notDeepEqual(dealHand(flows.long, 8, 1), dealHand(flows.short, 8, 1));
    const durationMs = { long: 40, short: 10 };
    const served = { long: 0, short: 0 };
    const submit = (name: keyof typeof flows): void => {
      void settled(qs.acquire(spec(flows[name]))).then((o) => {
        assert.ok(o.release, `a ${name} request was refused: ${o.rejected}`);
        clock.after(durationMs[name], () => {
          served[name] += durationMs[name];
          o.release();
          submit(name);
        });
      });
    };
    // each flow always has 6 requests waiting or running
    for (let i = 0; i < 6; i++) {
      submit('long');
      submit('short');
    }
    await flush();
    await clock.advance(20_000);
    const ratio = served.long / served.short;
    assert.ok(ratio > 0.8 && ratio < 1.25, `seat-ms long ${served.long} vs short ${served.short}`);
    // round robin by request would have given the long flow four times the seat-time
    assert.ok(served.long + served.short > 39_000, 'the level stays saturated');
  });

  test('a queued request whose client goes away leaves at once and is never run', async () => {
    const clock = new FakeClock();
    const qs = new QueueSet({ queues: 4, handSize: 2, queueLengthLimit: 10 }, 1, clock);
    const running = await settled(qs.acquire(spec(1n)));
    assert.ok(running.release);
    let gone: (() => void) | undefined;
    let unsubscribed = false;
    const queued = qs.acquire(
      spec(2n, {
        onGone: (cb) => {
          gone = cb;
          return () => (unsubscribed = true);
        },
      }),
    );
    assert.ok(queued instanceof Promise);
    let ran = false;
    void queued.then((o) => (ran = o.release !== undefined));
    assert.equal(qs.waiting, 1);
    gone?.();
    assert.deepEqual(await queued, { rejected: 'cancelled', waitedMs: 0 });
    assert.equal(qs.waiting, 0, 'removed from its queue at once');
    assert.ok(unsubscribed);
    running.release();
    await clock.advance(1000);
    assert.equal(ran, false);
    assert.equal(qs.executing, 0, 'nothing was dispatched for the cancelled request');
    const next = await settled(qs.acquire(spec(3n)));
    assert.ok(next.release, 'the seat is free for the next one');
  });

  test('queue length limit, Reject levels and the wait limit refuse with upstream reasons', async () => {
    const clock = new FakeClock();
    const qs = new QueueSet({ queues: 1, handSize: 1, queueLengthLimit: 1 }, 1, clock);
    const running = await settled(qs.acquire(spec(1n)));
    assert.ok(running.release);
    const queued = qs.acquire(spec(2n, { waitLimitMs: 50 }));
    assert.deepEqual(await settled(qs.acquire(spec(3n))), { rejected: 'queue-full', waitedMs: 0 });
    await clock.advance(49);
    assert.equal(qs.waiting, 1);
    await clock.advance(2);
    assert.deepEqual(
      await queued,
      { rejected: 'cancelled', waitedMs: 50 },
      'the wait limit ends the wait as a cancellation does',
    );
    running.release();
    const reject = new QueueSet({ queues: 0, handSize: 0, queueLengthLimit: 0 }, 1, clock);
    const held = await settled(reject.acquire(spec(1n)));
    assert.deepEqual(await settled(reject.acquire(spec(2n))), { rejected: 'concurrency-limit', waitedMs: 0 });
    held.release?.();
    assert.ok((await settled(reject.acquire(spec(2n)))).release);
  });

  test('a list wider than the free seats waits; wider than the level runs alone', async () => {
    const clock = new FakeClock();
    const qs = new QueueSet({ queues: 4, handSize: 1, queueLengthLimit: 10 }, 4, clock);
    const small = await settled(qs.acquire(spec(1n, { seats: 2 })));
    const wide = qs.acquire(spec(2n, { seats: 3 }));
    assert.equal(qs.waiting, 1, '2 + 3 seats do not fit in 4');
    small.release?.();
    const w = await settled(wide);
    assert.equal(qs.seatsInUse, 3);
    w.release?.();
    const huge = await settled(qs.acquire(spec(3n, { seats: 9 })));
    assert.ok(huge.release, 'an empty level runs a request wider than itself');
    assert.ok(qs.acquire(spec(4n)) instanceof Promise, 'and nothing beside it');
  });
});

const limited = (
  name: string,
  shares: number,
  lendablePercent: number,
  queues = 16,
  borrowingLimitPercent?: number,
): PriorityLevelConfiguration => ({
  metadata: { name, uid: `${name}-uid` },
  spec: {
    type: 'Limited',
    limited: {
      nominalConcurrencyShares: shares,
      lendablePercent,
      ...(borrowingLimitPercent === undefined ? {} : { borrowingLimitPercent }),
      limitResponse: { type: 'Queue', queuing: { queues, handSize: 4, queueLengthLimit: 50 } },
    },
  },
});

const userSchema = (name: string, level: string, precedence: number): FlowSchema => ({
  metadata: { name, uid: `${name}-uid` },
  spec: {
    priorityLevelConfiguration: { name: level },
    matchingPrecedence: precedence,
    distinguisherMethod: { type: 'ByUser' },
    rules: [
      {
        subjects: [{ kind: 'Group', group: { name: name } }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
      },
    ],
  },
});

describe('APF borrowing', () => {
  test('seats move from an idle level (and an idle lending exempt level) to a busy one', async () => {
    const clock = new FakeClock();
    const fc = new FlowControl(100, 60_000, NOOP_OBSERVER, clock);
    const exempt: PriorityLevelConfiguration = {
      metadata: { name: 'exempt', uid: 'exempt-uid' },
      spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 20, lendablePercent: 100 } },
    };
    fc.replaceAll([], [exempt, limited('busy', 40, 0), limited('idle', 40, 100)]);
    const busy = fc.level('busy');
    const idle = fc.level('idle');
    assert.ok(busy && idle);
    // shares 20 + 5 (catch-all) + 40 + 40 = 105 over 100 seats, each rounded up
    assert.deepEqual(busy.limits, { nominal: 39, lower: 39, upper: 139, lendable: 0 });
    assert.deepEqual(idle.limits, { nominal: 39, lower: 0, upper: 139, lendable: 39 });
    const grants: Array<() => void> = [];
    for (let i = 0; i < 150; i++) {
      void settled(busy.queues.acquire(spec(BigInt(i)))).then((o) => o.release && grants.push(o.release));
    }
    await flush();
    // with no demand seen yet, seats are spread by the levels' lower bounds
    assert.equal(busy.queues.executing, busy.currentLimit);
    await clock.advance(10_000);
    fc.adjustBorrowing();
    await flush();
    const nominalSum = 39 + 39 + 20 + 5;
    // the busy level gets everything its neighbours do not use: the catch-all keeps its 5 (lends nothing)
    assert.equal(busy.currentLimit, nominalSum - 5);
    assert.equal(fc.level('idle')?.currentLimit, 0);
    assert.equal(fc.level('exempt')?.currentLimit, 0);
    assert.equal(busy.queues.executing, nominalSum - 5, 'queued requests ran on the borrowed seats');
    for (const release of grants.splice(0)) release();
    await flush();
  });

  test('the allocation is upstream fair-fraction: bounds hold, the rest is split by target', () => {
    const a = allocateSeats(100, [
      { lowerBound: 10, upperBound: 100, target: 80 },
      { lowerBound: 0, upperBound: 100, target: 20 },
      { lowerBound: 30, upperBound: 30, target: 30 },
    ]);
    assert.deepEqual(
      a.seats.map((s) => Math.round(s * 1000) / 1000),
      [56, 14, 30],
    );
    assert.equal(Math.round(a.fairFrac * 1000) / 1000, 0.7);
    assert.deepEqual(allocateSeats(0, [{ lowerBound: 0, upperBound: 5, target: 3 }]).seats, [0]);
    assert.throws(() => allocateSeats(1, [{ lowerBound: 2, upperBound: 5, target: 3 }]), /lower bounds sum to 2/);
  });
});

const info: RequestInfo = {
  isResourceRequest: false,
  path: '/version',
  verb: 'get',
  apiPrefix: '',
  apiGroup: '',
  apiVersion: '',
  namespace: '',
  resource: '',
  subresource: '',
  name: '',
  parts: [],
};

function ctxFor(user: UserInfo, onClientGone?: (cb: () => void) => () => void): RequestContext {
  return {
    req: { method: 'GET', path: info.path, query: new URLSearchParams(), headers: {} },
    info,
    user,
    peerCertificates: [],
    transport: { http2: false, goaway: () => undefined, onClientGone },
  };
}

const ok = (): ApiResponse => ({ kind: 'buffered', status: 200, headers: {}, body: Buffer.from('ok') });

describe('APF filter', () => {
  test('a request whose client disconnects while queued is never executed; metrics name every step', async () => {
    const metrics = new ReplicaMetrics();
    const fc = new FlowControl(10, 60_000, flowControlObserver(metrics));
    // nominal: ceil(10 * 1 / 6) = 2 seats, no lending, 1 queue
    fc.replaceAll([userSchema('flooders', 'tiny', 100)], [limited('tiny', 1, 0, 1, 0)]);
    const gates: Array<() => void> = [];
    const executed: string[] = [];
    const handler = withPriorityAndFairness(fc)((ctx) => {
      executed.push(ctx.user?.name ?? '');
      return new Promise<ApiResponse>((resolve) => gates.push(() => resolve(ok())));
    });
    const flooder = (name: string): UserInfo => ({ name, groups: ['flooders', 'system:authenticated'] });
    const running = [handler(ctxFor(flooder('a'))), handler(ctxFor(flooder('b')))];
    let gone: (() => void) | undefined;
    const leaving = handler(
      ctxFor(flooder('leaver'), (cb) => {
        gone = cb;
        return () => (gone = undefined);
      }),
    );
    const waiting = handler(ctxFor(flooder('patient')));
    await flush();
    assert.deepEqual(executed, ['a', 'b']);
    assert.ok(gone, 'the queued request listens for its client');
    gone();
    assert.equal((await leaving).status, 429);
    for (const g of gates.splice(0)) g();
    await Promise.all(running);
    await flush();
    assert.deepEqual(executed, ['a', 'b', 'patient'], 'the cancelled request was not executed later');
    for (const g of gates.splice(0)) g();
    assert.equal((await waiting).status, 200);
    const pendingAdmin = handler(ctxFor({ name: 'root', groups: ['system:masters'] }));
    await flush();
    for (const g of gates.splice(0)) g();
    const admin = await pendingAdmin;
    assert.equal(admin.headers['x-kubernetes-pf-prioritylevel-uid'], '');
    fc.adjustBorrowing();

    const scrape = parsePrometheusText(await metrics.render());
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      scrape.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const tiny = { priority_level: 'tiny', flow_schema: 'flooders' };
    assert.equal(value('apiserver_flowcontrol_rejected_requests_total', { ...tiny, reason: 'cancelled' }), 1);
    assert.equal(value('apiserver_flowcontrol_dispatched_requests_total', tiny), 3);
    assert.equal(
      value('apiserver_flowcontrol_dispatched_requests_total', { priority_level: 'exempt', flow_schema: 'exempt' }),
      1,
    );
    assert.equal(value('apiserver_flowcontrol_current_inqueue_requests', tiny), 0);
    assert.equal(value('apiserver_flowcontrol_current_executing_requests', tiny), 0);
    assert.equal(value('apiserver_flowcontrol_current_executing_seats', tiny), 0);
    assert.equal(value('apiserver_flowcontrol_request_wait_duration_seconds_count', { ...tiny, execute: 'true' }), 3);
    assert.equal(value('apiserver_flowcontrol_request_wait_duration_seconds_count', { ...tiny, execute: 'false' }), 1);
    assert.equal(
      value('apiserver_flowcontrol_request_wait_duration_seconds_bucket', { ...tiny, execute: 'true', le: '15' }),
      3,
    );
    assert.equal(value('apiserver_flowcontrol_request_execution_seconds_count', { ...tiny, type: 'regular' }), 3);
    assert.equal(value('apiserver_flowcontrol_request_queue_length_after_enqueue_count', tiny), 4);
    assert.equal(value('apiserver_flowcontrol_request_queue_length_after_enqueue_bucket', { ...tiny, le: '0' }), 0);
    assert.equal(value('apiserver_flowcontrol_work_estimated_seats_bucket', { ...tiny, le: '1' }), 4);
    assert.equal(value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'tiny' }), 2);
    assert.equal(value('apiserver_flowcontrol_lower_limit_seats', { priority_level: 'tiny' }), 2);
    assert.equal(value('apiserver_flowcontrol_upper_limit_seats', { priority_level: 'tiny' }), 2);
    assert.equal(value('apiserver_flowcontrol_current_limit_seats', { priority_level: 'tiny' }), 2);
    assert.equal(value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'catch-all' }), 9);
    assert.ok((value('apiserver_flowcontrol_demand_seats_high_watermark', { priority_level: 'tiny' }) ?? -1) >= 0);
    assert.ok(value('apiserver_flowcontrol_seat_fair_frac', {}) !== undefined);
    for (const name of [
      'apiserver_flowcontrol_demand_seats_average',
      'apiserver_flowcontrol_demand_seats_stdev',
      'apiserver_flowcontrol_demand_seats_smoothed',
      'apiserver_flowcontrol_target_seats',
      'apiserver_flowcontrol_current_r',
    ]) {
      assert.ok(value(name, { priority_level: 'tiny' }) !== undefined, name);
    }
    assert.equal(scrape.types.get('apiserver_flowcontrol_rejected_requests_total'), 'counter');
    assert.equal(scrape.types.get('apiserver_flowcontrol_request_wait_duration_seconds'), 'histogram');
    assert.equal(scrape.types.get('apiserver_flowcontrol_current_limit_seats'), 'gauge');
    assert.equal(scrape.types.get('apiserver_flowcontrol_watch_count_samples'), 'histogram');
    assert.equal(scrape.types.get('apiserver_flowcontrol_epoch_advance_total'), 'counter');
    for (const [name, labels] of [
      ['apiserver_flowcontrol_demand_seats_count', { priority_level: 'tiny' }],
      ['apiserver_flowcontrol_priority_level_seat_utilization_count', { phase: 'executing', priority_level: 'tiny' }],
      ['apiserver_flowcontrol_priority_level_request_utilization_count', { phase: 'waiting', priority_level: 'tiny' }],
      ['apiserver_flowcontrol_read_vs_write_current_requests_count', { phase: 'waiting', request_kind: 'readOnly' }],
      ['apiserver_flowcontrol_read_vs_write_current_requests_count', { phase: 'executing', request_kind: 'readOnly' }],
    ] as const) {
      assert.ok((value(name, labels) ?? 0) > 0, `${name} observed some time`);
    }
    for (const phase of ['waiting', 'executing']) {
      const sum = value('apiserver_flowcontrol_read_vs_write_current_requests_sum', {
        phase,
        request_kind: 'readOnly',
      });
      assert.ok((sum ?? 0) > 0, `read-only requests were seen ${phase}`);
      assert.equal(
        value('apiserver_flowcontrol_read_vs_write_current_requests_sum', { phase, request_kind: 'mutating' }),
        0,
      );
    }
  });

  test('a timing ratio histogram books seconds under the ratio that held them', async () => {
    let now = 0;
    const h = new TimingRatioHistogramFamily('t', 'help', ['pl'], [0, 0.5, 1], () => now);
    const s = h.with('a');
    s.setDenominator(4);
    s.set(2);
    now = 3000;
    s.set(0);
    now = 4000;
    const { values } = await h.get();
    const byLe = Object.fromEntries(
      values.filter((v) => v.metricName === 't_bucket').map((v) => [v.labels.le, v.value]),
    );
    assert.deepEqual(byLe, { '0': 1, '0.5': 4, '1': 4, '+Inf': 4 });
    assert.equal(values.find((v) => v.metricName === 't_sum')?.value, 1.5);
    assert.equal(values.find((v) => v.metricName === 't_count')?.value, 4);
  });
});

describe('APF and watches', () => {
  test('a watch holds its seats while its initial events are handed over, then lets go', async () => {
    const metrics = new ReplicaMetrics();
    const fc = new FlowControl(10, 60_000, flowControlObserver(metrics));
    const reject: PriorityLevelConfiguration = {
      metadata: { name: 'one', uid: 'one-uid' },
      // nominal ceil(10 * 1 / 6) = 2 seats
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, limitResponse: { type: 'Reject' } } },
    };
    fc.replaceAll([userSchema('watchers', 'one', 100)], [reject]);
    let initialize: () => void = () => undefined;
    const initialized = new Promise<void>((resolve) => (initialize = resolve));
    const watchInfo: RequestInfo = { ...info, isResourceRequest: true, verb: 'watch', resource: 'configmaps' };
    const handler = withPriorityAndFairness(fc)(async (ctx): Promise<ApiResponse> =>
      ctx.info?.verb === 'watch'
        ? { kind: 'stream', status: 200, headers: {}, start: () => undefined, initialized }
        : ok(),
    );
    const ctx = (verb: RequestInfo): RequestContext => ({
      ...ctxFor({ name: 'w', groups: ['watchers'] }),
      info: verb,
    });
    const watches = [await handler(ctx(watchInfo)), await handler(ctx(watchInfo))];
    assert.deepEqual(
      watches.map((r) => r.status),
      [200, 200],
    );
    assert.equal((await handler(ctx(info))).status, 429, 'both seats are held by initializing watches');
    initialize();
    await flush();
    assert.equal((await handler(ctx(info))).status, 200, 'initialized watches hold nothing');
    const text = await metrics.render();
    assert.match(
      text,
      /apiserver_flowcontrol_request_execution_seconds_count\{priority_level="one",flow_schema="watchers",type="watch"\} 2/,
    );
    assert.match(
      text,
      /apiserver_flowcontrol_current_executing_requests\{priority_level="one",flow_schema="watchers"\} 0/,
    );
  });
});

describe('APF mutating work estimate', () => {
  test('a write watched by many keeps seats after it finishes; watch counts go to watch_count_samples', async () => {
    const clock = new FakeClock();
    const metrics = new ReplicaMetrics();
    const fc = new FlowControl(10, 60_000, flowControlObserver(metrics), clock);
    fc.replaceAll([userSchema('writers', 'one', 100)], [limited('one', 1, 0, 1, 0)]);
    const level = fc.level('one');
    assert.ok(level);
    const resource = (verb: string, name = ''): RequestInfo => ({
      ...info,
      isResourceRequest: true,
      verb,
      resource: 'configmaps',
      namespace: 'ns',
      name,
    });
    const forget = Array.from({ length: 25 }, (_, i) => fc.watches.register(resource('watch', i < 5 ? 'a' : '')));
    fc.watches.register({ ...resource('watch'), namespace: 'other' });
    assert.equal(
      fc.watches.interested(resource('update', 'a')),
      25,
      'the namespace and the name, not other namespaces',
    );
    assert.equal(fc.watches.interested(resource('update', 'b')), 20);
    const handler = withPriorityAndFairness(fc)(async () => ok());
    const ctx: RequestContext = { ...ctxFor({ name: 'w', groups: ['writers'] }), info: resource('update', 'a') };
    assert.equal((await handler(ctx)).status, 200);
    // ceil(25 / 10) = 3 seats wanted, but the level's widest is 1 (15% of its 2 nominal seats, rounded up),
    // so 1 seat is kept for 3 × 5 ms
    assert.equal(level.maxSeats, 1);
    assert.equal(level.queues.seatsInUse, level.maxSeats, 'the final seats outlive the request');
    await clock.advance(14);
    assert.equal(level.queues.seatsInUse, 1);
    await clock.advance(1);
    assert.equal(level.queues.seatsInUse, 0);
    for (const f of forget) f();
    assert.equal(fc.watches.interested(resource('update', 'a')), 0);
    const text = await metrics.render();
    assert.match(
      text,
      /apiserver_flowcontrol_watch_count_samples_bucket\{priority_level="one",flow_schema="writers",le="100"\} 1/,
    );
    assert.match(
      text,
      /apiserver_flowcontrol_watch_count_samples_bucket\{priority_level="one",flow_schema="writers",le="10"\} 0/,
    );
  });
});
