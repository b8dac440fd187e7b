import { randomUUID } from 'node:crypto';
import { constants as h2, Http2ServerRequest, Http2ServerResponse, type SecureServerOptions } from 'node:http2';
import type { Server } from 'node:net';
import type { TLSSocket } from 'node:tls';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StatusError } from '../api/errors';
import type { ApiResponse } from '../endpoints/types';
import type { ErrorRenderer } from './filters/errors';
import type { Handler, RequestContext, Transport } from './filters/types';
import { ServerLifecycle } from './lifecycle';
import { peerCertificatesOf } from './peer-certificates';
import { acceptsGzip, endsInOneWrite, endWithBody, FlushedEnd, maybeCompressed, writeChunked } from './response-writer';
import { queryOf } from './request-target';
import { serveUpgrades } from './upgrade';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** Upstream accepts request headers up to 1 MiB (Go's http.Server MaxHeaderBytes default). */
export const MAX_HEADER_BYTES = 1024 * 1024;

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Authorities client certificates are verified against (--client-ca-file). */
  ca: string;
}

export interface AppDeps {
  tls: TlsMaterial;
  /** The filter chain ending in the API router. */
  handler: Handler;
  /** Answers failures fastify itself detects (body too large, unknown method). */
  render: ErrorRenderer;
  /** Connection and request bookkeeping for graceful shutdown; one is made when not given. */
  lifecycle?: ServerLifecycle;
}

function headerMap(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function transportOf(reply: FastifyReply): Transport {
  const raw: unknown = reply.raw;
  // 'close' before the response finished is the client resetting the stream or dropping the connection
  const onClientGone = (cb: () => void): (() => void) => {
    const listener = (): void => {
      if (!reply.raw.writableEnded) cb();
    };
    reply.raw.once('close', listener);
    return () => reply.raw.off('close', listener);
  };
  if (raw instanceof Http2ServerResponse) {
    return {
      http2: true,
      goaway: () => {
        const session = raw.stream.session;
        if (session && !session.closed) session.close();
      },
      onClientGone,
    };
  }
  return { http2: false, goaway: () => reply.header('connection', 'close'), onClientGone };
}

/** The TLS connection (or, for HTTP/2, its session) a request came on, to read and cache the peer chain. */
function connectionOf(req: FastifyRequest): { key: object; socket: TLSSocket } | undefined {
  const raw: unknown = req.raw;
  if (raw instanceof Http2ServerRequest) {
    const session = raw.stream.session;
    // the session's socket is a proxy whose `in` checks miss the TLS methods, so call through it
    return session ? { key: session, socket: session.socket as TLSSocket } : undefined;
  }
  const socket = req.raw.socket as TLSSocket | undefined;
  return socket && typeof socket.getPeerCertificate === 'function' ? { key: socket, socket } : undefined;
}

/** The client's certificate chain, leaf first, as the TLS handshake received it (read once per connection). */
function peerCertificates(conn: ReturnType<typeof connectionOf>): Buffer[] {
  return conn ? peerCertificatesOf(conn.key, conn.socket) : [];
}

/** Per response: stops counting it as in flight (set while the request is tracked). */
const requestTracking = new WeakMap<object, () => void>();

async function send(reply: FastifyReply, res: ApiResponse, head: boolean, lifecycle: ServerLifecycle): Promise<void> {
  const gzip = acceptsGzip(headerOf(reply.request, 'accept-encoding'));
  if (res.kind === 'buffered') {
    const out = res.compressible && !head ? await maybeCompressed(res.body, res.headers, gzip) : res;
    reply.code(res.status);
    for (const [k, v] of Object.entries(out.headers)) reply.header(k, v);
    if (head || endsInOneWrite(reply.raw, out.body.length)) {
      await reply.send(head ? undefined : out.body);
      return;
    }
    // fastify ends a body with one write, which may leave the socket full at the end (FlushedEnd)
    reply.hijack();
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    headers['content-length'] = String(out.body.length);
    reply.raw.writeHead(res.status, headers);
    endWithBody(reply.raw, out.body);
    return;
  }
  if (res.kind === 'chunked') {
    reply.hijack();
    try {
      await writeChunked(reply.raw, res, { head, gzip });
    } catch {
      // the body failed before anything was written: nothing sensible is left to send
      if (!reply.raw.headersSent) reply.raw.writeHead(500);
      reply.raw.end();
    }
    return;
  }
  reply.hijack();
  const raw = reply.raw;
  if (res.kind === 'upgrade') {
    // only an HTTP/1.1 connection can switch protocols, and those come by the server's upgrade event
    res.abandon();
    raw.writeHead(500);
    raw.end();
    return;
  }
  // a watch is not waited for on shutdown: it is ended instead, and the client re-watches elsewhere
  requestTracking.get(reply.raw)?.();
  const headers: Record<string, string | string[]> = { 'cache-control': 'no-cache, private' };
  for (const [k, v] of Object.entries(res.headers)) headers[k] = v;
  raw.writeHead(res.status, headers);
  // flush headers now so clients see the watch is established
  if ('flushHeaders' in raw && typeof raw.flushHeaders === 'function') raw.flushHeaders();
  let closed = false;
  const closers: Array<() => void> = [];
  const out = new FlushedEnd(raw);
  const onGone = (): void => {
    if (closed) return;
    closed = true;
    for (const c of closers) c();
  };
  const endResponse = (): void => {
    if (!raw.writableEnded) out.end();
    onGone();
  };
  const unregister = lifecycle.watchStarted(endResponse);
  closers.push(unregister);
  raw.on('close', onGone);
  raw.on('error', onGone);
  res.start({
    write: (chunk) => (closed ? true : out.write(chunk)),
    drained: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (closed) return resolve(false);
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          raw.off('drain', onDrain);
          resolve(ok);
        };
        const onDrain = (): void => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        raw.once('drain', onDrain);
        closers.push(() => done(false));
      }),
    end: endResponse,
    abort: () => {
      const r: unknown = raw;
      if (r instanceof Http2ServerResponse) r.stream.close(h2.NGHTTP2_CANCEL);
      else raw.socket?.destroy();
      onGone();
    },
    onClose: (cb) => closers.push(cb),
  });
}

/** A request body fastify left unread: chunked or sized, but without a Content-Type it parses. */
function readUnparsedBody(req: FastifyRequest): Promise<Buffer | undefined> {
  const h = req.headers;
  const raw: unknown = req.raw;
  // HTTP/2 frames bodies without transfer-encoding or (necessarily) content-length: a stream that
  // did not end with its headers carries one
  const hasBody =
    raw instanceof Http2ServerRequest
      ? !raw.stream.endAfterHeaders
      : h['transfer-encoding'] !== undefined || (h['content-length'] ?? '0') !== '0';
  if (!hasBody || req.raw.readableEnded) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.raw.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        reject(
          new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`),
        );
        req.raw.destroy();
        return;
      }
      chunks.push(c);
    });
    req.raw.on('end', () => resolve(Buffer.concat(chunks)));
    req.raw.on('error', reject);
  });
}

/** Responses made before the handler chain runs carry an Audit-Id too, as every upstream response does. */
function withAuditId(req: FastifyRequest, res: ApiResponse): ApiResponse {
  const sent = headerMap(req)['audit-id']?.trim();
  res.headers = { ...res.headers, 'audit-id': sent ? sent : randomUUID() };
  return res;
}

/**
 * kapi's one route declares no JSON schema, so fastify never builds a validator or a
 * serializer; these factories stand in for its defaults, which would load Ajv and
 * fast-json-stringify (some 110 modules) at every start for nothing.
 */
function noSchemaCompilers(): never {
  throw new Error('kapi routes declare no JSON schemas');
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** The listener's TLS and socket options: client certificates asked for, checked by authentication. */
export function secureServerOptions(tls: TlsMaterial): SecureServerOptions {
  return {
    allowHTTP1: true,
    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    requestCert: true,
    rejectUnauthorized: false,
    settings: { maxHeaderListSize: MAX_HEADER_BYTES },
    // as Go's listeners do: with Nagle on, an HTTP/1.1 response's last segment waits for the
    // client's delayed ACK, about 40 ms on every list
    noDelay: true,
  };
}

/** HTTP/2 with HTTP/1.1 fallback over TLS; every request goes through the one handler chain. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const lifecycle = deps.lifecycle ?? new ServerLifecycle();
  const app = fastify({
    http2: true,
    https: secureServerOptions(deps.tls),
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    // the lifecycle closes idle sessions, and unlike this timer never one that has open streams
    http2SessionTimeout: 0,
    schemaController: { compilersFactory: { buildValidator: noSchemaCompilers, buildSerializer: noSchemaCompilers } },
  }) as unknown as FastifyInstance;
  lifecycle.attach(app.server as unknown as Server);
  // the HTTP/1.1 fallback parser reads its limit from the server object (Node's default is 16 KiB)
  (app.server as unknown as { maxHeaderSize: number }).maxHeaderSize = MAX_HEADER_BYTES;

  app.addHook('onRequest', (req, reply, done) => {
    const raw: unknown = req.raw;
    const onClose = (cb: () => void): void => void reply.raw.once('close', cb);
    const release =
      raw instanceof Http2ServerRequest
        ? lifecycle.requestStarted(onClose, undefined, raw.stream.session)
        : lifecycle.requestStarted(onClose, req.raw.socket);
    requestTracking.set(reply.raw, release);
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BODY_BYTES }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status: StatusError;
    if (err instanceof StatusError) {
      status = err;
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      status = new StatusError(
        413,
        'RequestEntityTooLarge',
        `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`,
      );
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = new StatusError(err.statusCode, 'BadRequest', err.message);
    } else {
      status = new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`);
    }
    void send(reply, withAuditId(req, deps.render(status, headerMap(req).accept)), false, lifecycle);
  });

  app.setNotFoundHandler((req, reply) => {
    const res = deps.render(
      new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
      headerMap(req).accept,
    );
    void send(reply, withAuditId(req, res), false, lifecycle);
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { path, query } = queryOf(req.url);
    const method = req.method.toUpperCase();
    const body = Buffer.isBuffer(req.body) ? req.body : await readUnparsedBody(req);
    const conn = connectionOf(req);
    const ctx: RequestContext = {
      req: { method, path, query, headers: headerMap(req), body },
      rawHeaders: req.raw.rawHeaders,
      peerCertificates: peerCertificates(conn),
      connection: conn?.key,
      transport: transportOf(reply),
      requestURI: req.url,
      remoteAddress: req.socket.remoteAddress,
      remotePort: req.socket.remotePort,
    };
    const res = await deps.handler(ctx);
    await send(reply, res, method === 'HEAD', lifecycle);
  };
  for (const m of ['TRACE', 'CONNECT']) if (!app.supportedMethods.includes(m)) app.addHttpMethod(m, { hasBody: false });
  app.route({ method: METHODS, url: '/*', handler, exposeHeadRoute: false });
  serveUpgrades(app.server as unknown as Server, { handler: deps.handler, render: deps.render, lifecycle });
  return app;
}
