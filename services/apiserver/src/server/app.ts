import { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Server } from 'node:net';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { ApiHandler } from '../endpoints/api-handler';
import { parseRequestInfo } from '../endpoints/request-info';
import type { ApiRequest, ApiResponse } from '../endpoints/types';
import { ServerLifecycle } from './lifecycle';
import type { NonResourceHandler } from './non-resource';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Authorities client certificates are verified against (--client-ca-file). */
  ca: string;
}

export interface AppDeps {
  tls: TlsMaterial;
  api: ApiHandler;
  nonResource: NonResourceHandler;
  /** Probability (0..0.02) of asking the client to reconnect after a response (--goaway-chance). */
  goawayChance?: number;
  /** Connection and request bookkeeping for graceful shutdown; one is made when not given. */
  lifecycle?: ServerLifecycle;
}

/**
 * Asks the client to open a new connection once this response is done, so
 * long-lived clients spread over replicas behind a load balancer: HTTP/2 gets a
 * GOAWAY on the session (streams already open still finish), HTTP/1.1 gets
 * `Connection: close`.
 */
function sendGoaway(reply: FastifyReply): void {
  const raw: unknown = reply.raw;
  if (raw instanceof Http2ServerResponse) {
    const session = raw.stream.session;
    if (session && !session.closed) session.close();
    return;
  }
  reply.header('connection', 'close');
}

function headerMap(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

interface SendContext {
  lifecycle: ServerLifecycle;
  goawayChance: number;
}

async function send(reply: FastifyReply, res: ApiResponse, head: boolean, ctx: SendContext): Promise<void> {
  if (res.kind === 'buffered') {
    // watches (streamed) are long-running and never get a GOAWAY, as upstream skips them
    if (ctx.goawayChance > 0 && Math.random() < ctx.goawayChance) sendGoaway(reply);
    if (ctx.lifecycle.isDraining && !((reply.raw as unknown) instanceof Http2ServerResponse)) {
      reply.header('connection', 'close');
    }
    reply.code(res.status);
    for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
    await reply.send(head ? undefined : res.body);
    return;
  }
  reply.hijack();
  const raw = reply.raw;
  // a watch is not waited for on shutdown: it is ended instead, and the client re-watches elsewhere
  requestTracking.get(reply.raw)?.();
  const headers: Record<string, string | string[]> = { 'cache-control': 'no-cache, private' };
  for (const [k, v] of Object.entries(res.headers)) if (k !== 'transfer-encoding-hint') headers[k] = v;
  raw.writeHead(res.status, headers);
  // flush headers now so clients see the watch is established
  if ('flushHeaders' in raw && typeof raw.flushHeaders === 'function') raw.flushHeaders();
  let closed = false;
  const closers: Array<() => void> = [];
  const onGone = (): void => {
    if (closed) return;
    closed = true;
    for (const c of closers) c();
  };
  const endResponse = (): void => {
    if (!raw.writableEnded) raw.end();
    onGone();
  };
  const unregister = ctx.lifecycle.watchStarted(endResponse);
  closers.push(unregister);
  raw.on('close', onGone);
  raw.on('error', onGone);
  res.start({
    write: (chunk) => {
      if (!closed) raw.write(chunk);
    },
    end: endResponse,
    onClose: (cb) => closers.push(cb),
  });
}

/** Per response: stops counting it as in flight (set while the request is tracked). */
const requestTracking = new WeakMap<object, () => void>();

function shuttingDownStatus(api: ApiHandler, accept: string | undefined): ApiResponse {
  const res = api.errorResponse(
    new StatusError(503, 'ServiceUnavailable', 'apiserver is shutting down', { retryAfterSeconds: 1 }),
    accept,
  );
  if (res.kind === 'buffered') res.headers['retry-after'] = '1';
  return res;
}

/** One catch-all route: resource requests go to the API handler, the rest to the non-resource table. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const lifecycle = deps.lifecycle ?? new ServerLifecycle();
  const ctx: SendContext = { lifecycle, goawayChance: deps.goawayChance ?? 0 };
  const app = fastify({
    http2: true,
    https: {
      allowHTTP1: true,
      key: deps.tls.key,
      cert: deps.tls.cert,
      ca: deps.tls.ca,
      requestCert: true,
      rejectUnauthorized: false,
    },
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  lifecycle.attach(app.server as unknown as Server);

  app.addHook('onRequest', (req, reply, done) => {
    const raw: unknown = req.raw;
    const http1Socket = raw instanceof Http2ServerRequest ? undefined : req.raw.socket;
    const release = lifecycle.requestStarted((cb) => reply.raw.once('close', cb), http1Socket);
    requestTracking.set(reply.raw, release);
    if (lifecycle.isDraining) {
      // arrived on a connection opened before the drain began (HTTP/1.1 keep-alive)
      void send(reply, shuttingDownStatus(deps.api, headerMap(req).accept), false, ctx);
      return;
    }
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BODY_BYTES }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status: StatusError;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      status = new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = new StatusError(err.statusCode, 'BadRequest', err.message);
    } else {
      status = new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`);
    }
    const res = deps.api.errorResponse(status, headerMap(req).accept);
    void send(reply, res, false, ctx);
  });

  app.setNotFoundHandler((req, reply) => {
    const res = deps.api.errorResponse(
      new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
      headerMap(req).accept,
    );
    void send(reply, res, false, ctx);
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = new URL(req.url, 'https://kapi.invalid');
    const query = url.searchParams;
    const path = decodeURIComponent(url.pathname);
    const method = req.method.toUpperCase();
    const apiReq: ApiRequest = {
      method,
      path,
      query,
      headers: headerMap(req),
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
    };
    const info = parseRequestInfo(method, path, query);
    let res: ApiResponse;
    if (info.isResourceRequest) {
      res = await deps.api.handle(apiReq, info);
    } else {
      try {
        res = await deps.nonResource.handle(apiReq);
      } catch (e) {
        res = deps.api.errorResponse(e, apiReq.headers.accept);
      }
    }
    await send(reply, res, method === 'HEAD', ctx);
  };
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    handler,
    exposeHeadRoute: false,
  });
  return app;
}

export type { KubeObject };
