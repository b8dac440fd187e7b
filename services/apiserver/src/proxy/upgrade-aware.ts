import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ApiResponse, StreamingResponse, UpgradedResponse } from '../endpoints/types';
import { joinHostPort } from './addresses';
import { goDialError } from './dial-errors';
import { rewriteHtmlBody } from './html-rewrite';
import { escapePath, joinPath, rewriteLocation } from './location-rewrite';

export interface BackendTls {
  /** PEM authorities the backend's certificate must chain to; with rejectUnauthorized false, none is checked. */
  ca?: string;
  servername?: string;
  rejectUnauthorized: boolean;
  cert?: string;
  key?: string;
}

/** Where a proxied request goes. */
export interface BackendLocation {
  scheme: 'http' | 'https';
  /** an IP (IPv6 without brackets) or host name */
  host: string;
  /** '' for the scheme's default port */
  port: string;
  /** decoded, as Go's url.URL.Path; '' when the client named no path */
  path: string;
  /** as sent, without the '?' */
  rawQuery: string;
  tls?: BackendTls;
}

/** The client's request, as the proxy needs it. */
export interface ProxyRequest {
  method: string;
  /** lower-case names */
  headers: Record<string, string | undefined>;
  /** the client's path, decoded */
  path: string;
  rawQuery: string;
  body?: Buffer;
  remoteAddress?: string;
}

export interface ProxyBehaviour {
  /** The client's path in front of the backend path: X-Forwarded-Uri and redirects carry it. */
  pathPrepend: string;
  /** The aggregator's X-Remote-* identity: replaces any the client sent. */
  identity?: Record<string, string | string[]>;
  /** The aggregator's --aggregator-reject-forwarding-redirect: a backend redirect becomes a 502. */
  rejectForwardingRedirects?: boolean;
  /** The Host the backend sees: the client's own (the proxy subresources) or the backend's address (the aggregator). */
  hostHeader: 'client' | 'backend';
}

/** The proxy could not get a response: `reach` for an ordinary request, `upgrade` for a protocol switch. */
export class ProxyFailure extends Error {
  constructor(
    readonly stage: 'reach' | 'upgrade',
    message: string,
  ) {
    super(message);
  }
}

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const CORS_HEADERS = new Set([
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-origin',
]);
const DRAIN_TIMEOUT_MS = 60_000;
/** Upstream's proxy transport gives up dialing after 30 s. */
const DIAL_TIMEOUT_MS = 30_000;
const REDIRECT_REFUSED = 'the backend attempted to redirect this request, which is not permitted';

/** Upstream's httpstream.IsUpgradeRequest: a Connection header naming upgrade. */
export function isUpgradeRequest(headers: Record<string, string | undefined>): boolean {
  return (headers.connection ?? '').split(',').some((t) => t.trim().toLowerCase() === 'upgrade');
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const all = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    all
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
}

function clientHost(headers: Record<string, string | undefined>): string {
  return headers.host ?? headers[':authority'] ?? '';
}

/** Go reports an IPv4 peer on a dual-stack socket by its IPv4 form. */
function peerIP(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

function withIdentity(out: OutgoingHttpHeaders, identity: Record<string, string | string[]> | undefined): void {
  if (!identity) return;
  for (const name of Object.keys(out)) if (name.startsWith('x-remote-')) delete out[name];
  Object.assign(out, identity);
}

/**
 * The headers the backend gets. The client's credentials were spent on this
 * server (upstream's authentication filter drops Authorization, impersonation
 * its headers), so they never go on.
 */
function outgoingHeaders(req: ProxyRequest, behaviour: ProxyBehaviour, upgrade: boolean): OutgoingHttpHeaders {
  const listed = connectionTokens(req.headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':') || name === 'host' || name === 'authorization') continue;
    if (name.startsWith('impersonate-') || name === 'content-length') continue;
    // an upgrade is written to the backend as received; an ordinary request loses its hop-by-hop headers
    if (!upgrade && (HOP_BY_HOP.has(name) || listed.has(name))) continue;
    out[name] = value;
  }
  if (!upgrade && /(^|,)\s*trailers\s*(,|$)/i.test(req.headers.te ?? '')) out.te = 'trailers';
  const ip = peerIP(req.remoteAddress);
  if (ip) out['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${ip}` : ip;
  if (behaviour.hostHeader === 'client' && clientHost(req.headers)) out.host = clientHost(req.headers);
  withIdentity(out, behaviour.identity);
  if (req.body && req.body.length > 0) out['content-length'] = String(req.body.length);
  return out;
}

function responseHeaders(res: IncomingMessage): Record<string, string | string[]> {
  const listed = connectionTokens(res.headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || CORS_HEADERS.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The backend's body, passed on as it arrives and at the pace the client takes it. */
export function streamed(
  res: IncomingMessage,
  headers: Record<string, string | string[]>,
  head: boolean,
): StreamingResponse {
  return {
    kind: 'stream',
    status: res.statusCode ?? 502,
    headers,
    start(sink) {
      if (head) {
        res.destroy();
        sink.end();
        return;
      }
      sink.onClose(() => res.destroy());
      res.on('data', (chunk: Buffer) => {
        if (sink.write(chunk)) return;
        res.pause();
        void sink.drained(DRAIN_TIMEOUT_MS).then((ok) => (ok ? res.resume() : res.destroy()));
      });
      res.on('end', () => sink.end());
      res.on('error', () => sink.abort());
    },
  };
}

/** An HTML page, read whole, with its links kept under the proxy path (upstream rewrites text/html only). */
async function withLinksRewritten(
  res: IncomingMessage,
  headers: Record<string, string | string[]>,
  rewrite: (url: string) => string,
): Promise<ApiResponse> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = String(res.headers['content-encoding'] ?? '');
  let rewritten: Buffer | undefined;
  try {
    rewritten = rewriteHtmlBody(body, encoding, rewrite);
  } catch {
    rewritten = undefined;
  }
  const { 'content-length': _length, ...rest } = headers;
  return { kind: 'buffered', status: res.statusCode ?? 502, headers: rest, body: rewritten ?? body };
}

function redirectRefused(): ApiResponse {
  return {
    kind: 'buffered',
    status: 502,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.from(REDIRECT_REFUSED),
  };
}

/** The 101 as the backend sent it, for the client: status line and header lines in their received order. */
function switchingHead(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage ?? 'Switching Protocols'}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function upgraded(res: IncomingMessage, backend: Duplex, backendHead: Buffer): UpgradedResponse {
  return {
    kind: 'upgrade',
    status: res.statusCode ?? 101,
    headers: {},
    attach(client, clientHead) {
      const close = (): void => {
        backend.destroy();
        client.destroy();
      };
      backend.on('error', close);
      client.on('error', close);
      backend.on('close', close);
      client.on('close', close);
      client.write(switchingHead(res));
      if (backendHead.length > 0) client.write(backendHead);
      if (clientHead.length > 0) backend.write(clientHead);
      backend.pipe(client);
      client.pipe(backend);
    },
    abandon: () => backend.destroy(),
  };
}

/** Service names Go's dialer knows without /etc/services. */
const NAMED_PORTS: Record<string, number> = { http: 80, https: 443 };

/** The port to dial: the scheme's when none is named; a name Go could not look up fails as Go's dial does. */
function portOf(loc: BackendLocation, upgrade: boolean): number {
  if (loc.port === '') return loc.scheme === 'https' ? 443 : 80;
  const n = /^\d+$/.test(loc.port) ? Number(loc.port) : NAMED_PORTS[loc.port];
  if (n !== undefined && n <= 65535) return n;
  const text = `dial tcp: lookup tcp/${loc.port}: unknown port`;
  throw upgrade
    ? new ProxyFailure('upgrade', `error dialing backend: ${text}`)
    : new ProxyFailure('reach', `error trying to reach service: ${text}`);
}

function send(
  loc: BackendLocation,
  port: number,
  method: string,
  target: string,
  headers: OutgoingHttpHeaders,
): http.ClientRequest {
  const common = { host: loc.host, port, method, path: target, headers, agent: false as const };
  if (loc.scheme === 'http') return http.request(common);
  return https.request({
    ...common,
    ca: loc.tls?.ca,
    servername: loc.tls?.servername,
    rejectUnauthorized: loc.tls?.rejectUnauthorized ?? false,
    cert: loc.tls?.cert,
    key: loc.tls?.key,
  });
}

/**
 * Upstream's UpgradeAwareHandler: an ordinary request is forwarded and its
 * response streamed back (redirects rewritten to stay under the proxy path);
 * a request asking for `Connection: Upgrade` is sent as is and, when the
 * backend switches protocols, the two connections are joined.
 */
export async function proxyRequest(
  req: ProxyRequest,
  location: BackendLocation,
  behaviour: ProxyBehaviour,
): Promise<ApiResponse> {
  const upgrade = isUpgradeRequest(req.headers);
  const loc = { ...location };
  if (!upgrade) {
    if (!loc.path.endsWith('/') && req.path.endsWith('/')) loc.path += '/';
    // a backend root without its slash breaks relative links: send the client to the slashed path first
    if (loc.path === '' && (req.method === 'GET' || req.method === 'HEAD')) {
      const query = req.rawQuery ? `?${req.rawQuery}` : '';
      return { kind: 'buffered', status: 301, headers: { location: `${req.path}/${query}` }, body: Buffer.alloc(0) };
    }
  }
  const escaped = escapePath(loc.path);
  const target = `${escaped === '' ? '/' : escaped}${loc.rawQuery ? `?${loc.rawQuery}` : ''}`;
  const headers = outgoingHeaders(req, behaviour, upgrade);
  if (!upgrade) {
    let forwardedUri = joinPath(behaviour.pathPrepend, escaped);
    if (loc.path.endsWith('/') && !forwardedUri.endsWith('/')) forwardedUri += '/';
    headers['x-forwarded-uri'] = forwardedUri;
  }
  const port = portOf(loc, upgrade);
  const hostPort = joinHostPort(loc.host, String(port));
  const outgoing = send(loc, port, req.method, target, headers);
  outgoing.on('socket', (socket) => {
    const timer = setTimeout(() => {
      const e = Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' });
      outgoing.destroy(e);
    }, DIAL_TIMEOUT_MS);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  });
  return new Promise<ApiResponse>((resolve, reject) => {
    outgoing.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) =>
      resolve(upgraded(res, socket, head)),
    );
    outgoing.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 502;
      if (upgrade && status < 400) {
        res.destroy();
        reject(new ProxyFailure('upgrade', `invalid upgrade response: status code ${status}`));
        return;
      }
      const out = responseHeaders(res);
      const redirect = res.headers.location;
      if (!upgrade && redirect) {
        out.location = rewriteLocation(
          redirect,
          joinHostPort(loc.host, loc.port),
          clientHost(req.headers),
          behaviour.pathPrepend,
        );
        if (behaviour.rejectForwardingRedirects && status >= 300 && status <= 399) {
          res.destroy();
          resolve(redirectRefused());
          return;
        }
      }
      const mediaType = String(res.headers['content-type'] ?? '')
        .split(';')[0]
        .trim();
      if (!upgrade && !redirect && mediaType === 'text/html' && req.method !== 'HEAD') {
        const rewrite = (url: string): string =>
          rewriteLocation(url, joinHostPort(loc.host, loc.port), clientHost(req.headers), behaviour.pathPrepend);
        void withLinksRewritten(res, out, rewrite).then(resolve, () => resolve(streamed(res, out, false)));
        return;
      }
      resolve(streamed(res, out, req.method === 'HEAD'));
    });
    outgoing.on('error', (e: Error) => {
      const text = goDialError(e, hostPort);
      reject(
        upgrade
          ? new ProxyFailure('upgrade', `error dialing backend: ${text}`)
          : new ProxyFailure('reach', `error trying to reach service: ${text}`),
      );
    });
    outgoing.end(upgrade ? undefined : req.body);
  });
}
