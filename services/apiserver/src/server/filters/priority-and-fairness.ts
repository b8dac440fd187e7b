import type { FlowControl } from '../../flowcontrol/controller';
import type { Outcome } from '../../flowcontrol/queueset';
import type { ObjectCounts } from '../../flowcontrol/object-counts';
import { estimateMutating, estimateSeats, isMutatingEstimate } from '../../flowcontrol/work-estimate';
import type { ApiResponse, StreamingResponse } from '../../endpoints/types';
import { requestInfoOf, userOf, type Filter } from './types';
import { isLongRunningRequest } from './long-running';
import { tooManyRequests } from './too-many-requests';

/** The longest a watch's initialization may hold its seats. */
const WATCH_INITIALIZATION_CAP_MS = 60_000;

function withHeaders(res: ApiResponse, headers: Readonly<Record<string, string>>): ApiResponse {
  Object.assign(res.headers, headers);
  return res;
}

/**
 * Upstream's WithPriorityAndFairness: classifies each request by FlowSchema,
 * names the schema and priority level in response headers, and runs it under
 * its level's seats: exempt levels at once (only counted), limited ones
 * through their fair queues; 429 when there is no room, the queue wait is
 * over or the client went away while waiting (Retry-After grows while a level
 * keeps refusing). A list takes seats by how many objects it goes through. A
 * watch holds its seats only until its initial events are handed over; other
 * long-running requests are not held.
 */
export function withPriorityAndFairness(fc: FlowControl, counts: ObjectCounts = fc.objectCounts): Filter {
  return (next) => async (ctx) => {
    const info = requestInfoOf(ctx);
    if (isLongRunningRequest(info) && info.verb !== 'watch') return next(ctx);
    const c = fc.classify(userOf(ctx), info);
    const level = c.level;
    let seats = 1;
    let finalSeats = 0;
    let additionalLatencyMs = 0;
    if (isMutatingEstimate(info)) {
      const watchers = fc.watches.interested(info);
      c.flow.watchCount(watchers);
      ({ initialSeats: seats, finalSeats, additionalLatencyMs } = estimateMutating(info, watchers, level.maxSeats));
    } else seats = estimateSeats(info, ctx.req.query, counts.get(info.apiGroup, info.resource), level.maxSeats);
    c.flow.estimatedSeats(Math.max(seats, finalSeats));
    const pending = level.queues.acquire({
      hash: c.hash,
      seats,
      finalSeats,
      additionalLatencyMs,
      flow: c.flow,
      waitLimitMs: fc.requestWaitLimitMs,
      onGone: ctx.transport.onClientGone,
    });
    let outcome: Outcome;
    if (pending instanceof Promise) {
      c.kind.waiting(1, level.queues.clockReading);
      outcome = await pending;
      c.kind.waiting(-1, level.queues.clockReading);
    } else outcome = pending;
    if (!level.exempt) c.flow.waited(outcome.waitedMs / 1000, outcome.release !== undefined);
    if (!outcome.release) return tooManyRequests(fc.dropped.recordAndGetRetryAfter(level.name), c.headers);
    c.flow.dispatched();
    c.kind.executing(1, level.queues.clockReading);
    const forgetWatch = info.verb === 'watch' ? fc.watches.register(info) : undefined;
    const release = outcome.release;
    const done = (): void => {
      c.flow.executed(release() / 1000, info.verb === 'watch');
      c.kind.executing(-1, level.queues.clockReading);
    };
    let res: ApiResponse | undefined;
    try {
      res = await next(ctx);
    } finally {
      if (res?.kind !== 'stream' || !res.initialized) done();
      // a watch that did not become a stream (refused, failed) is over already
      if (res?.kind !== 'stream') forgetWatch?.();
    }
    if (res.kind === 'stream') {
      if (res.initialized) void initializedOrCap(res.initialized).then(done);
      if (forgetWatch) watchUntilClosed(res, forgetWatch);
    }
    return withHeaders(res, c.headers);
  };
}

/** The watch counts for the cost of writes for as long as its stream is open. */
function watchUntilClosed(res: StreamingResponse, forget: () => void): void {
  const start = res.start;
  res.start = (sink) => {
    sink.onClose(forget);
    start(sink);
  };
}

/**
 * A watch keeps its seats while its initial events are handed over, as
 * upstream's watch initialization signal; the cap only guards against a
 * stream that is never started holding seats for good.
 */
function initializedOrCap(initialized: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, WATCH_INITIALIZATION_CAP_MS);
    timer.unref();
    void initialized.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
