import type { Attributes, Authorizer } from '../../authz/types';
import { forbiddenError } from '../../authz/forbidden';
import type { ErrorRenderer } from './errors';
import { requestInfoOf, userOf, type Filter, type RequestContext } from './types';

/** The authorizer's view of a request, as upstream's GetAuthorizerAttributes builds it. */
export function attributesOf(ctx: RequestContext): Attributes {
  const info = requestInfoOf(ctx);
  return {
    user: userOf(ctx),
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

/** Upstream's WithAuthorization: anything not allowed is 403 in upstream's words. */
export function withAuthorization(authorizer: Authorizer, render: ErrorRenderer): Filter {
  return (next) => async (ctx) => {
    const attrs = attributesOf(ctx);
    const { decision, reason } = authorizer.authorize(attrs);
    if (decision === 'allow') return next(ctx);
    return render(forbiddenError(attrs, reason), ctx.req.headers.accept);
  };
}
