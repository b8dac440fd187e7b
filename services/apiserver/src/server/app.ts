import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { ApiHandler } from '../endpoints/api-handler';
import { parseRequestInfo } from '../endpoints/request-info';
import type { ApiRequest, ApiResponse } from '../endpoints/types';
import type { NonResourceHandler } from './non-resource';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

export interface AppDeps {
  tls: TlsMaterial;
  api: ApiHandler;
  nonResource: NonResourceHandler;
}

function headerMap(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

async function send(reply: FastifyReply, res: ApiResponse, head: boolean): Promise<void> {
  if (res.kind === 'buffered') {
    reply.code(res.status);
    for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
    await reply.send(head ? undefined : res.body);
    return;
  }
  reply.hijack();
  const raw = reply.raw;
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
  raw.on('close', onGone);
  raw.on('error', onGone);
  res.start({
    write: (chunk) => {
      if (!closed) raw.write(chunk);
    },
    end: () => {
      if (!raw.writableEnded) raw.end();
      onGone();
    },
    onClose: (cb) => closers.push(cb),
  });
}

/** One catch-all route: resource requests go to the API handler, the rest to the non-resource table. */
export function buildApp(deps: AppDeps): FastifyInstance {
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
    void send(reply, res, false);
  });

  app.setNotFoundHandler((req, reply) => {
    const res = deps.api.errorResponse(
      new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
      headerMap(req).accept,
    );
    void send(reply, res, false);
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
    await send(reply, res, method === 'HEAD');
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
