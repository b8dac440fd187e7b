import type { FlowControl } from '../../flowcontrol/controller';
import type { ObjectCounts } from '../../flowcontrol/object-counts';
import { estimateSeats } from '../../flowcontrol/work-estimate';
import type { ApiResponse } from '../../endpoints/types';
import { requestInfoOf, userOf, type Filter } from './types';
import { isLongRunningRequest } from './long-running';
import { tooManyRequests } from './too-many-requests';

export const FLOW_SCHEMA_UID_HEADER = 'x-kubernetes-pf-flowschema-uid';
export const PRIORITY_LEVEL_UID_HEADER = 'x-kubernetes-pf-prioritylevel-uid';

function withHeaders(res: ApiResponse, headers: Record<string, string>): ApiResponse {
  Object.assign(res.headers, headers);
  return res;
}

/**
 * Upstream's WithPriorityAndFairness: classifies each request by FlowSchema,
 * names the schema and priority level in response headers, and runs it under
 * its level's seats: exempt levels at once, limited ones through their queues,
 * 429 when there is no room or the queue wait is over (Retry-After grows
 * while a level keeps refusing). A list takes seats by
 * how many objects it goes through. A watch holds its seat
 * only until its stream is set up; other long-running requests are not held.
 */
export function withPriorityAndFairness(fc: FlowControl, counts: ObjectCounts = fc.objectCounts): Filter {
  return (next) => async (ctx) => {
    const info = requestInfoOf(ctx);
    if (isLongRunningRequest(info) && info.verb !== 'watch') return next(ctx);
    const c = fc.classify(userOf(ctx), info);
    const headers = { [FLOW_SCHEMA_UID_HEADER]: c.schemaUID, [PRIORITY_LEVEL_UID_HEADER]: c.level.uid };
    const queues = c.level.queues;
    if (c.level.exempt || !queues) return withHeaders(await next(ctx), headers);
    const stored = counts.get(info.apiGroup, info.resource);
    const seats = estimateSeats(info, ctx.req.query, stored, c.level.maxSeats);
    // the uncontended case is settled without a promise
    const release = queues.tryStart(seats) ?? (await queues.acquire(c.flowHash, seats, fc.requestWaitLimitMs));
    if (!release) return tooManyRequests(fc.dropped.recordAndGetRetryAfter(c.level.name), headers);
    try {
      return withHeaders(await next(ctx), headers);
    } finally {
      release();
    }
  };
}
