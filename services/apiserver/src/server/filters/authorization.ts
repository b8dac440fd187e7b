import type { Attributes, Authorizer, SelectorAttribute } from '../../authz/types';
import { parseFieldSelector } from '../../selection/fields';
import { parseLabelSelector } from '../../selection/labels';
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
    ...(info.isResourceRequest ? selectorsOf(ctx.req.query) : {}),
  };
}

function selector<R>(raw: string | null, parse: (s: string) => R[]): SelectorAttribute<R> | undefined {
  if (raw === null || raw === '') return undefined;
  try {
    return { requirements: parse(raw) };
  } catch (e) {
    return { requirements: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/** The selectors a request carries, for authorizers that scope by them (the Node authorizer). */
function selectorsOf(query: URLSearchParams): Pick<Attributes, 'fieldSelector' | 'labelSelector'> {
  const out: Pick<Attributes, 'fieldSelector' | 'labelSelector'> = {};
  const fields = selector(query.get('fieldSelector'), parseFieldSelector);
  const labels = selector(query.get('labelSelector'), parseLabelSelector);
  if (fields) out.fieldSelector = fields;
  if (labels) out.labelSelector = labels;
  return out;
}

const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
const REASON_ANNOTATION = 'authorization.k8s.io/reason';

/** Upstream's WithAuthorization: anything not allowed is 403 in upstream's words. */
export function withAuthorization(authorizer: Authorizer, render: ErrorRenderer): Filter {
  return (next) => async (ctx) => {
    const attrs = attributesOf(ctx);
    const { decision, reason } = authorizer.authorize(attrs);
    ctx.audit?.addAnnotation(DECISION_ANNOTATION, decision === 'allow' ? 'allow' : 'forbid');
    ctx.audit?.addAnnotation(REASON_ANNOTATION, reason);
    if (decision === 'allow') return next(ctx);
    return render(forbiddenError(attrs, reason), ctx.req.headers.accept);
  };
}
