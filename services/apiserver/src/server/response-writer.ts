import { constants as h2, Http2ServerResponse } from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ChunkedResponse } from '../endpoints/types';

/** Upstream compresses a response only when it is larger than this (defaultGzipThresholdBytes). */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;
/** Upstream's level: the cheapest, compressing within a small factor of the best. */
export const GZIP_LEVEL = 1;
/**
 * Below this a body and its headers stay under a socket's default 16 KiB high-water mark,
 * so one write of both never leaves the socket full (FlushedEnd).
 */
const LARGE_BODY_BYTES = 8 * 1024;
/** A streamed body reaches the socket in writes of about this size, not one per item. */
const BATCH_BYTES = 64 * 1024;

const gzipAsync = promisify(zlib.gzip);

type RawResponse = ServerResponse | Http2ServerResponse;

/** Whether Accept-Encoding names gzip (any q-value: upstream does not weigh them). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(',').some((t) => t.split(';')[0].trim().toLowerCase() === 'gzip');
}

function gzipHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const vary = headers.vary;
  const varies = vary === undefined ? [] : Array.isArray(vary) ? vary : [vary];
  return { ...headers, 'content-encoding': 'gzip', vary: [...varies, 'Accept-Encoding'] };
}

/** A whole body and its headers, gzip-encoded when upstream would. */
export async function maybeCompressed(
  body: Buffer,
  headers: Record<string, string | string[]>,
  gzip: boolean,
): Promise<{ body: Buffer; headers: Record<string, string | string[]> }> {
  if (!gzip || body.length <= GZIP_THRESHOLD_BYTES) return { body, headers };
  return { body: await gzipAsync(body, { level: GZIP_LEVEL }), headers: gzipHeaders(headers) };
}

/**
 * Writes an HTTP/1.1 response and ends it only once everything written before
 * has reached the socket, and with a last write too small to fill it. Node's
 * server pauses its parser when a request arrives on a connection whose socket
 * is over its high-water mark, and over TLS the records already decrypted still
 * reach the paused parser, which fails with HPE_PAUSED and resets the
 * connection. A client that has the whole response sends its next request at
 * once, so the response must not be complete on the wire while the socket
 * still counts it as full. HTTP/2 has no such parser: it passes through.
 */
export class FlushedEnd {
  private unflushed = 0;
  private ending = false;
  private tail: Buffer | undefined;

  constructor(private readonly raw: RawResponse) {}

  write(chunk: Buffer): boolean {
    const raw = this.raw;
    if (raw instanceof Http2ServerResponse) return raw.write(chunk);
    this.unflushed++;
    return raw.write(chunk, this.flushed);
  }

  /** One callback for every write: a watch writes once per event, and allocates nothing for it. */
  private readonly flushed = (): void => {
    if (--this.unflushed === 0 && this.ending) this.finish();
  };

  /** `tail` must be small: it is written into an emptied socket, and must not fill it. */
  end(tail?: Buffer): void {
    if (this.ending) return;
    this.ending = true;
    this.tail = tail;
    if (this.unflushed === 0 || this.raw instanceof Http2ServerResponse) this.finish();
  }

  private finish(): void {
    const raw = this.raw;
    if (raw.writableEnded || raw.destroyed) return;
    if (this.tail) raw.end(this.tail);
    else raw.end();
  }
}

/** Whether one `end(body)` may finish the response: HTTP/2, or a body too small to fill the socket. */
export function endsInOneWrite(raw: RawResponse, bodyBytes: number): boolean {
  return raw instanceof Http2ServerResponse || bodyBytes < LARGE_BODY_BYTES;
}

/** Ends a response with a body that has a Content-Length: a large one keeps its last byte back (FlushedEnd). */
export function endWithBody(raw: RawResponse, body: Buffer): void {
  if (endsInOneWrite(raw, body.length)) {
    raw.end(body);
    return;
  }
  const out = new FlushedEnd(raw);
  out.write(body.subarray(0, body.length - 1));
  out.end(body.subarray(body.length - 1));
}

function destroyConnection(raw: RawResponse): void {
  if (raw instanceof Http2ServerResponse) raw.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
  else raw.socket?.destroy();
}

/**
 * Writes a chunked response as upstream's deferred writer does: the first
 * 128 KiB decide on compression (a body that ends below it goes out whole,
 * with a Content-Length), then pieces are pulled only as fast as the connection
 * (or the compressor in front of it) takes them. A client that goes away stops
 * the pulling, so nothing more is encoded for it.
 */
export async function writeChunked(
  raw: RawResponse,
  res: ChunkedResponse,
  opts: { head: boolean; gzip: boolean },
): Promise<void> {
  const it = res.chunks();
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size <= GZIP_THRESHOLD_BYTES) {
    const r = it.next();
    if (r.done) {
      done = true;
      break;
    }
    first.push(r.value);
    size += r.value.length;
  }
  const gzip = opts.gzip && size > GZIP_THRESHOLD_BYTES;
  const headers = gzip ? gzipHeaders(res.headers) : { ...res.headers };
  if (done && !gzip) headers['content-length'] = String(size);
  raw.writeHead(res.status, headers);
  if (opts.head || done) {
    if (!done) it.return?.();
    if (opts.head) raw.end();
    else endWithBody(raw, Buffer.concat(first, size));
    return;
  }

  let gone = false;
  const waiters = new Set<(ok: boolean) => void>();
  const onGone = (): void => {
    gone = true;
    for (const w of waiters) w(false);
    waiters.clear();
  };
  raw.once('close', onGone);
  raw.once('error', onGone);
  const sink = new FlushedEnd(raw);
  let out: Writable | FlushedEnd = sink;
  let drainsOn: NodeJS.EventEmitter = raw;
  let compressor: zlib.Gzip | undefined;
  if (gzip) {
    const z = zlib.createGzip({ level: GZIP_LEVEL });
    z.on('data', (chunk: Buffer) => {
      if (sink.write(chunk) || gone) return;
      z.pause();
      raw.once('drain', () => z.resume());
    });
    z.once('end', () => sink.end());
    z.once('error', () => destroyConnection(raw));
    compressor = z;
    out = z;
    drainsOn = z;
  }
  const drained = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (gone) return resolve(false);
      const done = (ok: boolean): void => {
        drainsOn.off('drain', onDrain);
        waiters.delete(done);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      drainsOn.once('drain', onDrain);
      waiters.add(done);
    });
  let batch = first;
  let batchSize = size;
  const flush = async (): Promise<boolean> => {
    if (batchSize === 0) return !gone;
    const chunk = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchSize);
    batch = [];
    batchSize = 0;
    if (gone) return false;
    return out.write(chunk) ? !gone : drained();
  };
  try {
    for (;;) {
      const r = it.next();
      if (r.done) break;
      batch.push(r.value);
      batchSize += r.value.length;
      if (batchSize >= BATCH_BYTES && !(await flush())) break;
    }
    if (!gone && (await flush())) out.end();
  } catch {
    // the status line is gone already: all that is left is to cut the body short
    destroyConnection(raw);
  } finally {
    if (gone) {
      it.return?.();
      compressor?.destroy();
    }
    raw.off('close', onGone);
    raw.off('error', onGone);
  }
}
