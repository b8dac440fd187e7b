import type { RequestInfo } from '../../endpoints/request-info';
import type { ApiResponse, StreamSink } from '../../endpoints/types';
import { GoDuration } from '../../logging/go-format';
import type { Logger } from '../../logging/logger';
import type { Filter, RequestContext } from './types';

/** Upstream's WithLogging logs at V(3) from httplog.go; --vmodule=httplog=3 turns it on alone. */
const HTTPLOG_LEVEL = 3;
const HTTPLOG_MODULE = 'httplog';
/** GetAuditIDTruncated: a client's very long Audit-Id is cut for logging */
const MAX_AUDIT_ID_LENGTH = 64;
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'portforward', 'attach', 'proxy']);

/** metrics.CleanScope */
function scopeOf(info: RequestInfo): string {
  if (info.name !== '' || info.verb === 'create') return 'resource';
  if (info.namespace !== '') return 'namespace';
  if (info.isResourceRequest) return 'cluster';
  return '';
}

/** metrics.CanonicalVerb then metrics.CleanVerb: LIST, WATCH, APPLY and CONNECT told apart from the method. */
export function httpLogVerb(ctx: RequestContext): string {
  const method = ctx.req.method.toUpperCase();
  let verb = method;
  const info = ctx.info;
  if (info && (verb === 'GET' || verb === 'HEAD')) {
    const scope = scopeOf(info);
    if (scope !== 'resource' && scope !== '') verb = 'LIST';
  }
  const watch = ctx.req.query.getAll('watch');
  if (method === 'GET' && watch.length > 0 && !['0', 'false'].includes(watch[0].toLowerCase())) verb = 'WATCH';
  if (verb === 'WATCHLIST') verb = 'WATCH';
  if (verb === 'PATCH' && ctx.req.headers['content-type'] === 'application/apply-patch+yaml') verb = 'APPLY';
  if (info?.isResourceRequest && CONNECT_SUBRESOURCES.has(info.subresource)) verb = 'CONNECT';
  return verb;
}

/** Go's RemoteAddr: host:port, an IPv6 host in brackets. */
function remoteAddr(ctx: RequestContext): string {
  const host = ctx.remoteAddress ?? '';
  const port = ctx.remotePort ?? 0;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function logRequest(logger: Logger, ctx: RequestContext, verb: string, started: bigint, status: number): void {
  const latency = new GoDuration(Number(process.hrtime.bigint() - started));
  logger.infoAt(HTTPLOG_LEVEL, undefined, 'HTTP', [
    'verb',
    verb,
    'URI',
    ctx.requestURI ?? ctx.req.path,
    'latency',
    latency,
    'userAgent',
    ctx.req.headers['user-agent'] ?? '',
    'audit-ID',
    (ctx.auditID ?? '').slice(0, MAX_AUDIT_ID_LENGTH),
    'srcIP',
    remoteAddr(ctx),
    'resp',
    status,
  ]);
}

/** A stream (a watch) is logged when it ends, however it ends, as upstream logs after ServeHTTP returns. */
function loggedStream(res: ApiResponse & { kind: 'stream' }, done: () => void): ApiResponse {
  const start = res.start.bind(res);
  return {
    ...res,
    start: (sink: StreamSink) => {
      let logged = false;
      sink.onClose(() => {
        if (logged) return;
        logged = true;
        done();
      });
      start(sink);
    },
  };
}

/**
 * Upstream's WithHTTPLogging: at -v=3 (or a --vmodule enabling httplog) one
 * "HTTP" line per request once its response is done. Below that the filter is
 * not in the chain at all.
 */
export function withHTTPLogging(logger: Logger | undefined): Filter {
  if (!logger?.enabled(HTTPLOG_LEVEL, HTTPLOG_MODULE)) return (next) => next;
  return (next) => async (ctx) => {
    const started = process.hrtime.bigint();
    const verb = httpLogVerb(ctx);
    let res: ApiResponse;
    try {
      res = await next(ctx);
    } catch (e) {
      // nothing was written yet: upstream's deferred Log sees no status
      logRequest(logger, ctx, verb, started, 0);
      throw e;
    }
    if (res.kind === 'stream') return loggedStream(res, () => logRequest(logger, ctx, verb, started, res.status));
    logRequest(logger, ctx, verb, started, res.status);
    return res;
  };
}
