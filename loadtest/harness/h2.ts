import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { Samples, type RunResult } from './stats';

/** Client TLS material: the CA to trust and the client certificate (mutual TLS). */
export interface ClientTls {
  ca: string;
  /** Absent for clients that authenticate with a bearer token instead. */
  cert?: string;
  key?: string;
}

// client-go's HTTP/2 transport advertises a 4 MiB stream window and a 1 GiB connection window.
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 1 << 30;

/** Opens one HTTP/2 session (one TLS connection), as client-go does per host. */
export function connect(url: string, tls: ClientTls): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
    });
    const onError = (err: Error): void => reject(err);
    session.once('error', onError);
    session.once('connect', () => {
      session.off('error', onError);
      session.on('error', () => undefined);
      session.setLocalWindowSize(CONNECTION_WINDOW);
      resolve(session);
    });
  });
}

export interface Request {
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  /** Collected only when asked for; otherwise empty (the byte count is still kept). */
  body: Buffer;
  bytes: number;
}

/** One request on a session; collects the body only if `collect`. */
export function request(session: ClientHttp2Session, req: Request, collect = true): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ':method': req.method, ':path': req.path, ...req.headers };
    const stream = session.request(headers, { endStream: req.body === undefined });
    let status = 0;
    let resHeaders: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('response', (h) => {
      resHeaders = h;
      status = Number(h[':status'] ?? 0);
    });
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      if (collect) chunks.push(c);
    });
    stream.on('end', () => resolve({ status, headers: resHeaders, body: Buffer.concat(chunks), bytes }));
    stream.on('error', reject);
    if (req.body !== undefined) stream.end(req.body);
  });
}

/** Sends one request and resolves with its response (body not collected). */
export type Sender = (req: Request) => Promise<Response>;

export interface LoadOptions {
  sessions: ClientHttp2Session[];
  /** Used instead of `sessions` when present: another client's connections (h2-indexing-client.ts). */
  senders?: Sender[];
  /** Requests in flight at any time (spread round-robin over the sessions). */
  concurrency: number;
  durationMs: number;
  /** Builds the i-th request. */
  next: (i: number) => Request;
  expectStatus: number;
}

/** Closed-loop load: `concurrency` workers each issue one request after another until the time is up. */
export async function runLoad(opts: LoadOptions): Promise<RunResult> {
  const latency = new Samples();
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  let seq = 0;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const worker = async (w: number): Promise<void> => {
    const session = opts.sessions[w % opts.sessions.length];
    const send: Sender = opts.senders ? opts.senders[w % opts.senders.length] : (req) => request(session, req, false);
    while (performance.now() < deadline) {
      const req = opts.next(seq++);
      const t0 = performance.now();
      try {
        const res = await send(req);
        const dt = performance.now() - t0;
        bytes += res.bytes;
        if (res.status === opts.expectStatus) {
          requests++;
          latency.add(dt);
        } else {
          errors++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return { requests, errors, bytes, elapsedMs: performance.now() - start, latency };
}

/** A long-running streaming GET. */
export interface Stream {
  close(): void;
  ready: Promise<number>;
}

export type Encoding = 'json' | 'protobuf';

export const ACCEPT: Record<Encoding, string> = {
  json: 'application/json',
  protobuf: 'application/vnd.kubernetes.protobuf',
};

/**
 * A watch stream in either encoding; `onEvent` is called with each event as it arrives: a JSON line
 * (newline stripped), or the message of one protobuf frame (4-byte big-endian length stripped).
 * `at` is when the chunk completing the event arrived.
 */
export function openEventStream(
  session: ClientHttp2Session,
  path: string,
  encoding: Encoding,
  onEvent: (event: Buffer, at: number) => void,
): Stream {
  const stream = session.request({ ':method': 'GET', ':path': path, accept: ACCEPT[encoding] });
  let pending: Buffer = Buffer.alloc(0);
  const ready = new Promise<number>((resolve, reject) => {
    stream.once('response', (h) => resolve(Number(h[':status'] ?? 0)));
    stream.once('error', reject);
  });
  stream.on('error', () => undefined);
  stream.on('data', (c: Buffer) => {
    const at = performance.now();
    pending = pending.length === 0 ? c : Buffer.concat([pending, c]);
    if (encoding === 'json') {
      let nl = pending.indexOf(0x0a);
      while (nl >= 0) {
        onEvent(pending.subarray(0, nl), at);
        pending = pending.subarray(nl + 1);
        nl = pending.indexOf(0x0a);
      }
    } else {
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const len = pending.readUInt32BE(0);
        onEvent(pending.subarray(4, 4 + len), at);
        pending = pending.subarray(4 + len);
      }
    }
  });
  return { close: () => stream.close(), ready };
}

/** A JSON watch stream; `onLine` is called with each newline-terminated line as it arrives. */
export function openLineStream(
  session: ClientHttp2Session,
  path: string,
  onLine: (line: Buffer, at: number) => void,
): Stream {
  return openEventStream(session, path, 'json', onLine);
}
