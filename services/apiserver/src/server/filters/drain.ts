import { StatusError } from '../../api/errors';
import type { ServerLifecycle } from '../lifecycle';
import type { ErrorRenderer } from './errors';
import type { Filter } from './types';

/**
 * While the replica drains, a request that still arrives (on an HTTP/1.1
 * keep-alive connection opened before) gets 503 with Retry-After so the client
 * retries elsewhere.
 */
export function withDrain(lifecycle: ServerLifecycle, render: ErrorRenderer): Filter {
  return (next) => async (ctx) => {
    if (!lifecycle.isDraining) return next(ctx);
    const res = render(
      new StatusError(503, 'ServiceUnavailable', 'apiserver is shutting down', { retryAfterSeconds: 1 }),
      ctx.req.headers.accept,
    );
    res.headers['retry-after'] = '1';
    if (!ctx.transport.http2) res.headers.connection = 'close';
    return res;
  };
}
