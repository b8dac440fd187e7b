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
/** Node's sockets' default writableHighWaterMark: a body this large may leave the socket full. */
export const LARGE_BODY_BYTES = 16 * 1024;
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
 * Ends a response, handing its last bytes to the socket only once the socket
 * has room. Node's HTTP/1.1 server pauses its parser when a request arrives on
 * a connection whose socket has not yet signalled drain, and over TLS the
 * records already decrypted still reach the paused parser, which fails with
 * HPE_PAUSED and resets the connection. A client that read a large response
 * whole can send its next request inside that window; waiting for the drain
 * before the end closes it.
 */
export function endWhenDrained(raw: RawResponse, body?: Buffer): void {
  if (raw instanceof Http2ServerResponse || (!raw.writableNeedDrain && (body?.length ?? 0) < LARGE_BODY_BYTES)) {
    if (body) raw.end(body);
    else raw.end();
    return;
  }
  if (body !== undefined && raw.write(body)) {
    raw.end();
    return;
  }
  const end = (): void => {
    raw.off('drain', end);
    raw.off('close', end);
    if (!raw.writableEnded && !raw.destroyed) raw.end();
  };
  raw.once('drain', end);
  raw.once('close', end);
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
    else endWhenDrained(raw, Buffer.concat(first, size));
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
  let out: Writable = raw as Writable;
  let compressor: zlib.Gzip | undefined;
  if (gzip) {
    compressor = zlib.createGzip({ level: GZIP_LEVEL });
    compressor.pipe(raw as Writable, { end: false });
    compressor.once('end', () => endWhenDrained(raw));
    out = compressor;
  }
  const drained = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (gone) return resolve(false);
      const done = (ok: boolean): void => {
        out.off('drain', onDrain);
        waiters.delete(done);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      out.once('drain', onDrain);
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
