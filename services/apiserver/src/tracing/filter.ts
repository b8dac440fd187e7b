import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter } from '@opentelemetry/api';
import type { RequestInfo } from '../endpoints/request-info';
import type { Filter } from '../server/filters/types';
import { runInSpan } from './active';
import type { ReplicaTracing } from './provider';

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
export function withTracing(tracing: ReplicaTracing): Filter {
  return (next) => async (ctx) => {
    const { req } = ctx;
    const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = tracing.tracer.startSpan(
      serverSpanName(req.method, ctx.info),
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.method': req.method,
          'http.scheme': 'https',
          'http.target': ctx.requestURI ?? req.path,
          'http.user_agent': req.headers['user-agent'] ?? '',
          'net.protocol.version': ctx.transport.http2 ? '2' : '1.1',
          'audit-id': (ctx.auditID ?? '').slice(0, MAX_AUDIT_ID),
        },
      },
      parent,
    );
    try {
      const res = await runInSpan(
        { tracer: tracing.tracer, propagator: tracing.propagator, context: parent },
        span,
        () => next(ctx),
      );
      span.setAttribute('http.status_code', res.status);
      // as otelhttp on a server: only 5xx marks the span failed
      if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  };
}
