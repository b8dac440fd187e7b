import type { RequestInfo } from '../endpoints/request-info';
import type { Filter } from '../server/filters/types';
import { runInSpan, type SpanFactory } from './active';

/**
 * upstream's span name: the method alone for non-resource requests, else the
 * route with namespace and name as placeholders, so names stay few.
 */
export function serverSpanName(method: string, info: RequestInfo | undefined): string {
  if (!info?.isResourceRequest) return method;
  let route = `/${info.apiPrefix}`;
  if (info.apiGroup) route += `/${info.apiGroup}`;
  route += `/${info.apiVersion}`;
  if (info.namespace) route += '/namespaces/{:namespace}';
  route += `/${info.resource}`;
  if (info.name) route += '/{:name}';
  if (info.subresource) route += `/${info.subresource}`;
  return `${method} ${route}`;
}

/** upstream truncates the audit ID it puts on spans to keep attributes small */
const MAX_AUDIT_ID = 64;

/**
 * Upstream's WithTracing: a server span per request, continuing the trace the
 * client's traceparent names (a sampled parent is sampled here too).
 */
export function withTracing(spans: SpanFactory): Filter {
  return (next) => async (ctx) => {
    const { req } = ctx;
    const parent = spans.extract(req.headers);
    const span = spans.start(
      serverSpanName(req.method, ctx.info),
      {
        'http.method': req.method,
        'http.scheme': 'https',
        'http.target': ctx.requestURI ?? req.path,
        'http.user_agent': req.headers['user-agent'] ?? '',
        'net.protocol.version': ctx.transport.http2 ? '2' : '1.1',
        'audit-id': (ctx.auditID ?? '').slice(0, MAX_AUDIT_ID),
      },
      parent,
      true,
    );
    try {
      const res = await runInSpan(spans, parent, span, () => next(ctx));
      span.setAttribute('http.status_code', res.status);
      // as otelhttp on a server: only 5xx marks the span failed
      if (res.status >= 500) spans.fail(span);
      return res;
    } catch (e) {
      spans.fail(span, e);
      throw e;
    } finally {
      span.end();
    }
  };
}
