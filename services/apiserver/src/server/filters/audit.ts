import { AuditContext, microNow, sourceIPs, statusFrom, userAgentOf } from '../../audit/event';
import { bodyAsJson } from '../../audit/body';
import type { Auditing } from '../../audit';
import type { ObjectReference } from '../../audit/types';
import { newRecorder } from '../../admission/interface';
import type { ApiResponse, StreamSink } from '../../endpoints/types';
import { requestInfoOf, type Filter, type RequestContext } from './types';

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
/** verbs whose body is an object the event names (create, update) or records (patch, delete options) */
const BODY_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function isLongRunning(ctx: RequestContext): boolean {
  const info = requestInfoOf(ctx);
  return (
    LONG_RUNNING_VERBS.has(info.verb) || (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource))
  );
}

function objectRefOf(ctx: RequestContext): ObjectReference | undefined {
  const info = requestInfoOf(ctx);
  if (!info.isResourceRequest) return undefined;
  return {
    resource: info.resource,
    namespace: info.namespace,
    name: info.name,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    subresource: info.subresource,
  };
}

/** The event for this request under the policy, or undefined when its level is None. */
function newAuditContext(ctx: RequestContext, auditing: Auditing): AuditContext | undefined {
  const info = requestInfoOf(ctx);
  const config = auditing.evaluator.evaluate({ ...info, user: ctx.user });
  if (config.level === 'None') return undefined;
  return new AuditContext(
    {
      auditID: ctx.auditID ?? '',
      config,
      requestURI: ctx.requestURI ?? ctx.req.path,
      verb: info.verb,
      user: ctx.user,
      sourceIPs: sourceIPs(ctx.req.headers, ctx.remoteAddress),
      userAgent: userAgentOf(ctx.req.headers),
      objectRef: objectRefOf(ctx),
      requestReceivedTimestamp: ctx.receivedAt ?? microNow(),
    },
    auditing.backend,
  );
}

function headerValue(res: ApiResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** What the response tells the event: its code, a Status's bounded fields and, at RequestResponse, the body. */
function recordBufferedResponse(
  ac: AuditContext,
  auditing: Auditing,
  verb: string,
  res: ApiResponse & { kind: 'buffered' },
): void {
  // a Status comes with failures and with some deletes; other bodies matter only at RequestResponse
  const wantsBody = ac.level === 'RequestResponse' || res.status >= 300 || verb.startsWith('delete');
  const body = wantsBody ? bodyAsJson(auditing.schemas, res.body, headerValue(res, 'content-type')) : undefined;
  ac.responseStatus = statusFrom(body, res.status);
  if (body !== undefined && typeof body === 'object' && body !== null && 'kind' in body) ac.logResponseObject(body);
}

/** The watch's event: started when the stream starts, complete when it ends however it ends. */
function auditedStream(ac: AuditContext, res: ApiResponse & { kind: 'stream' }, longRunning: boolean): ApiResponse {
  const start = res.start.bind(res);
  return {
    ...res,
    start: (sink: StreamSink) => {
      ac.responseStatus = statusFrom(undefined, res.status);
      if (longRunning) ac.emit('ResponseStarted');
      let done = false;
      sink.onClose(() => {
        if (done) return;
        done = true;
        ac.emit('ResponseComplete');
      });
      start(sink);
    },
  };
}

/**
 * Upstream's WithAudit: after authentication, so the event names who asked;
 * impersonation below it records whom they became. RequestReceived first,
 * ResponseStarted for long-running requests, then ResponseComplete (or Panic).
 */
export function withAudit(auditing: Auditing | undefined): Filter {
  return (next) => async (ctx) => {
    if (!auditing) return next(ctx);
    const ac = newAuditContext(ctx, auditing);
    if (!ac) return next(ctx);
    ctx.audit = ac;
    const recorder = (ctx.recorder ??= newRecorder());
    ac.extraAnnotations = () => recorder.auditAnnotations;
    ac.emit('RequestReceived');
    const longRunning = isLongRunning(ctx);
    let res: ApiResponse;
    try {
      res = await next(ctx);
    } catch (e) {
      ac.responseStatus = {
        metadata: {},
        status: 'Failure',
        message: `APIServer panic'd: ${e instanceof Error ? e.message : String(e)}`,
        reason: 'InternalError',
        code: 500,
      };
      ac.emit('Panic');
      throw e;
    }
    if (res.kind === 'stream') return auditedStream(ac, res, longRunning);
    if (res.kind === 'chunked' || res.kind === 'upgrade') {
      ac.responseStatus = statusFrom(undefined, res.status);
      // a streamed list is read again only when the policy records it
      if (ac.level === 'RequestResponse' && res.kind === 'chunked' && res.object) ac.logResponseObject(res.object());
    } else {
      recordBufferedResponse(ac, auditing, requestInfoOf(ctx).verb, res);
    }
    if (longRunning) ac.emit('ResponseStarted');
    ac.emit('ResponseComplete');
    return res;
  };
}

/** Called where the request reaches its handler: only then does upstream log the decoded request body. */
export function auditRequestBody(ctx: RequestContext, auditing: Auditing | undefined): void {
  const ac = ctx.audit;
  if (!ac || !auditing) return;
  const info = requestInfoOf(ctx);
  if (!info.isResourceRequest || !BODY_VERBS.has(info.verb)) return;
  const body = bodyAsJson(auditing.schemas, ctx.req.body, ctx.req.headers['content-type']);
  if (body === undefined) return;
  // a patch is recorded as sent; only a full object names the target
  ac.logRequestObject(body, info.verb === 'create' || info.verb === 'update');
}

function authMethods(ctx: RequestContext): string {
  const methods: string[] = [];
  const auth = (ctx.req.headers.authorization ?? '').trim();
  const parts = auth.split(' ');
  if (parts[0].toLowerCase() === 'basic' && parts.length > 1) methods.push('basic');
  if (parts.length > 1 && parts[0].toLowerCase() === 'bearer') methods.push('bearer');
  if (ctx.peerCertificates.length > 0) methods.push('x509');
  return methods.length > 0
    ? `Authentication failed, attempted: ${methods.join(', ')}`
    : 'Authentication failed, no credentials provided';
}

/** Upstream's WithFailedAuthenticationAudit: a 401 is one ResponseStarted event without a user. */
export function auditFailedAuthentication(auditing: Auditing | undefined): (ctx: RequestContext, code: number) => void {
  return (ctx, code) => {
    if (!auditing) return;
    const ac = newAuditContext(ctx, auditing);
    if (!ac) return;
    ac.responseStatus = { metadata: {}, message: authMethods(ctx), code };
    ac.emit('ResponseStarted');
  };
}
