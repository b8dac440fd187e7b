import { newRecorder } from '../../admission/interface';
import type { Auditing } from '../../audit';
import type { AggregatorProxy } from '../../aggregator/proxy';
import type { ApiRouter } from '../../endpoints/router';
import { auditRequestBody } from './audit';
import { decodedPath } from '../../endpoints/request-info';
import type { NonResourceHandler } from '../non-resource';
import type { ProxySubresources } from '../../proxy/subresource';
import type { ErrorRenderer } from './errors';
import { requestInfoOf, type Handler } from './types';

/** The end of the chain: resource requests to the API router, the rest to the non-resource table. */
export function routeRequest(
  api: ApiRouter,
  nonResource: NonResourceHandler,
  render: ErrorRenderer,
  auditing?: Auditing,
  aggregator?: AggregatorProxy,
  proxies?: ProxySubresources,
): Handler {
  return async (ctx) => {
    const info = requestInfoOf(ctx);
    auditRequestBody(ctx, auditing);
    if (aggregator) {
      // as upstream, the aggregator answers before the built-in APIs for the group/versions it proxies
      try {
        const proxied = await aggregator.handle(ctx.req, ctx.user, ctx.remoteAddress);
        if (proxied) return proxied;
      } catch (e) {
        return render(e, ctx.req.headers.accept);
      }
    }
    if (proxies?.handles(info)) {
      try {
        return await proxies.handle(ctx.req, info, ctx);
      } catch (e) {
        return render(e, ctx.req.headers.accept);
      }
    }
    if (info.isResourceRequest) return api.handle(ctx.req, info, ctx.user, (ctx.recorder ??= newRecorder()));
    try {
      return await nonResource.handle({ ...ctx.req, path: decodedPath(ctx.req.path) });
    } catch (e) {
      return render(e, ctx.req.headers.accept);
    }
  };
}
