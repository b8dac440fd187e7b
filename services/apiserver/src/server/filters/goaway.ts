import type { ServerLifecycle } from '../lifecycle';
import type { Filter } from './types';

/**
 * Upstream's --goaway-chance: after a buffered or streamed-list response, asks the client to
 * reconnect with probability `chance`, so long-lived clients spread over replicas
 * behind a load balancer. Watches are long-running and never get one. A draining
 * replica closes HTTP/1.1 connections after each response.
 */
export function withGoaway(chance: number, lifecycle: ServerLifecycle, random: () => number = Math.random): Filter {
  return (next) => async (ctx) => {
    const res = await next(ctx);
    if (res.kind === 'stream') return res;
    if (chance > 0 && random() < chance) {
      // a streamed list writes its own head: on HTTP/1.1 the header asks for the reconnect
      if (res.kind === 'chunked' && !ctx.transport.http2) res.headers.connection = 'close';
      else ctx.transport.goaway();
    }
    if (lifecycle.isDraining && !ctx.transport.http2) res.headers.connection = 'close';
    return res;
  };
}
