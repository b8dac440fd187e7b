import { requestInfoOf, type Filter } from './types';
import { isLongRunningRequest } from './long-running';
import { tooManyRequests } from './too-many-requests';

const READ_ONLY_VERBS = new Set(['get', 'list', 'watch']);

/**
 * Upstream's WithMaxInFlightLimit, used when APF is off: separate limits for
 * read-only and mutating requests (0: unlimited); long-running requests are not
 * counted, and system:masters is answered even over the limit.
 */
export function withMaxInFlightLimit(maxReadOnly: number, maxMutating: number): Filter {
  let readOnly = 0;
  let mutating = 0;
  return (next) => async (ctx) => {
    const info = requestInfoOf(ctx);
    if (isLongRunningRequest(info)) return next(ctx);
    const isReadOnly = READ_ONLY_VERBS.has(info.verb);
    const limit = isReadOnly ? maxReadOnly : maxMutating;
    if (limit <= 0) return next(ctx);
    const current = isReadOnly ? readOnly : mutating;
    if (current >= limit) {
      if (ctx.user?.groups.includes('system:masters')) return next(ctx);
      return tooManyRequests(1);
    }
    if (isReadOnly) readOnly++;
    else mutating++;
    try {
      return await next(ctx);
    } finally {
      if (isReadOnly) readOnly--;
      else mutating--;
    }
  };
}
