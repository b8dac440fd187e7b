import { parseRequestInfo } from '../../endpoints/request-info';
import type { Filter } from './types';

/** Upstream's WithRequestInfo: verb, group, version, resource, namespace, name from the raw path. */
export function withRequestInfo(): Filter {
  return (next) => async (ctx) => {
    ctx.info = parseRequestInfo(ctx.req.method, ctx.req.path, ctx.req.query);
    return next(ctx);
  };
}
