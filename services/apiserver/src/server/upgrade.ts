import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { StatusError } from '../api/errors';
import type { ApiResponse } from '../endpoints/types';
import type { ErrorRenderer } from './filters/errors';
import type { Handler, RequestContext } from './filters/types';
import type { ServerLifecycle } from './lifecycle';
import { peerCertificatesOf } from './peer-certificates';
import { queryOf } from './request-target';

export interface UpgradeDeps {
  handler: Handler;
  render: ErrorRenderer;
  lifecycle: ServerLifecycle;
}

function headerMap(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function contextOf(req: IncomingMessage, socket: Duplex, closeAfter: () => void): RequestContext {
  const url = req.url ?? '/';
  const { path, query } = queryOf(url);
  const tls = socket as TLSSocket;
  return {
    req: { method: (req.method ?? 'GET').toUpperCase(), path, query, headers: headerMap(req) },
    rawHeaders: req.rawHeaders,
    peerCertificates: typeof tls.getPeerCertificate === 'function' ? peerCertificatesOf(tls, tls) : [],
    transport: { http2: false, goaway: closeAfter },
    requestURI: url,
    remoteAddress: tls.remoteAddress,
    remotePort: tls.remotePort,
  };
}

function headLines(status: number, headers: Record<string, string | string[]>): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A response the backend did not switch protocols for (or the chain refused)
 * written straight to the connection, which then closes: an upgrade request's
 * connection is never reused.
 */
function writeRaw(socket: Duplex, res: Exclude<ApiResponse, { kind: 'upgrade' }>, head: boolean): void {
  const base = { date: new Date().toUTCString(), ...res.headers, connection: 'close' };
  if (res.kind === 'buffered') {
    socket.write(headLines(res.status, { ...base, 'content-length': String(res.body.length) }));
    socket.end(head ? undefined : res.body);
    return;
  }
  socket.write(headLines(res.status, base));
  if (head) {
    socket.end();
    return;
  }
  if (res.kind === 'chunked') {
    for (let it = res.chunks(), next = it.next(); !next.done; next = it.next()) socket.write(next.value);
    socket.end();
    return;
  }
  const closers: Array<() => void> = [];
  socket.once('close', () => closers.forEach((c) => c()));
  res.start({
    write: (chunk) => socket.write(chunk),
    drained: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        socket.once('drain', () => {
          clearTimeout(timer);
          resolve(true);
        });
      }),
    end: () => socket.end(),
    abort: () => socket.destroy(),
    onClose: (cb) => closers.push(cb),
  });
}

async function serveUpgrade(deps: UpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => socket.destroy());
  const release = deps.lifecycle.requestStarted((cb) => socket.once('close', cb), socket as Socket);
  let res: ApiResponse;
  try {
    res = await deps.handler(contextOf(req, socket, () => undefined));
  } catch (e) {
    res = deps.render(
      e instanceof StatusError ? e : new StatusError(500, 'InternalError', 'Internal error occurred'),
      req.headers.accept,
    );
    res.headers = { ...res.headers, 'audit-id': randomUUID() };
  }
  if (socket.destroyed) {
    if (res.kind === 'upgrade') res.abandon();
    return;
  }
  if (res.kind !== 'upgrade') {
    writeRaw(socket, res, req.method === 'HEAD');
    return;
  }
  // a joined connection lives as long as its ends do, like a watch: shutdown ends it instead of waiting
  release();
  const unregister = deps.lifecycle.watchStarted(() => socket.destroy());
  socket.once('close', unregister);
  res.attach(socket, head);
}

/**
 * HTTP/1.1 requests asking to switch protocols (WebSocket, SPDY) arrive by the
 * server's upgrade event, not as fastify requests: they run the same handler
 * chain, and a proxy that reaches a backend willing to switch hands the
 * connection over to it.
 */
export function serveUpgrades(server: Server, deps: UpgradeDeps): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void serveUpgrade(deps, req, socket, head);
  });
}
