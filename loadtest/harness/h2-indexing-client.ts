/**
 * A small HTTP/2 client for GET requests that sends its request headers as client-go does: every field
 * goes into the HPACK dynamic table on first use and out as an indexed field afterwards (see
 * hpack-indexing.ts for the Go source this models). Node's http2 client never indexes `authorization`,
 * so a bearer token would be Huffman-coded by the client and decoded by the server on every request, a
 * cost no Kubernetes client pays; the bench's token-versus-certificate comparison uses this client.
 *
 * It advertises SETTINGS_HEADER_TABLE_SIZE=0 so it needs no dynamic table of its own and reads only
 * :status from a response header block.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ClientTls, Request, Response } from './h2';
import { decodeStatus, IndexingEncoder } from './hpack-indexing';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
};
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 };
const SETTING = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
};
// As h2.ts (client-go's transport): 4 MiB per stream, 1 GiB for the connection.
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 1 << 30;
const DEFAULT_WINDOW = 65_535;

interface PendingStream {
  status: number;
  chunks: Buffer[];
  bytes: number;
  collect: boolean;
  /** Received and not yet given back through WINDOW_UPDATE. */
  unacked: number;
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

function windowUpdate(stream: number, increment: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(increment, 0);
  return frame(FRAME.WINDOW_UPDATE, 0, stream, p);
}

/** The payload of a DATA or HEADERS frame without its padding (and, for HEADERS, its priority fields). */
function unpad(flags: number, payload: Buffer, priority: boolean): Buffer {
  let start = 0;
  let padding = 0;
  if (flags & FLAG.PADDED) {
    padding = payload[0];
    start = 1;
  }
  if (priority && flags & FLAG.PRIORITY) start += 5;
  return payload.subarray(start, payload.length - padding);
}

export class IndexingSession {
  readonly encoder = new IndexingEncoder();
  /** Request header block sizes, in order (tests read them to see the indexing). */
  readonly sentBlockSizes: number[] = [];
  private readonly streams = new Map<number, PendingStream>();
  private readonly queued: Array<() => void> = [];
  private nextId = 1;
  private maxConcurrent = Infinity;
  private maxFrameSize = 16_384;
  private connUnacked = 0;
  private inbox: Buffer = Buffer.alloc(0);
  /** A header block arriving in HEADERS + CONTINUATION frames. */
  private headerBlock: { stream: number; endStream: boolean; parts: Buffer[] } | undefined;
  private outbox: Buffer[] = [];
  private flushScheduled = false;
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: tls.TLSSocket,
    private readonly authority: string,
  ) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Opens one TLS connection (ALPN h2) and sends the preface, this client's SETTINGS and the connection window. */
  static connect(url: string, creds: ClientTls): Promise<IndexingSession> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: u.hostname,
        port: Number(u.port || 443),
        servername: net.isIP(u.hostname) ? undefined : u.hostname,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        ALPNProtocols: ['h2'],
      });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          reject(new Error(`server did not negotiate h2 (ALPN ${String(socket.alpnProtocol)})`));
          return;
        }
        socket.setNoDelay(true);
        const settings = Buffer.alloc(18);
        [
          [SETTING.HEADER_TABLE_SIZE, 0],
          [SETTING.ENABLE_PUSH, 0],
          [SETTING.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        ].forEach(([id, v], i) => {
          settings.writeUInt16BE(id, i * 6);
          settings.writeUInt32BE(v, i * 6 + 2);
        });
        socket.write(
          Buffer.concat([
            PREFACE,
            frame(FRAME.SETTINGS, 0, 0, settings),
            windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW),
          ]),
        );
        resolve(new IndexingSession(socket, u.host));
      });
    });
  }

  /** One GET; collects the body only if `collect` (the byte count is kept either way). */
  request(req: Request, collect = true): Promise<Response> {
    if (req.method !== 'GET' || req.body !== undefined) {
      return Promise.reject(new Error('IndexingSession sends GET requests without a body only'));
    }
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const start = (): void => {
        if (this.closedWith) {
          reject(this.closedWith);
          return;
        }
        const id = this.nextId;
        this.nextId += 2;
        this.streams.set(id, { status: 0, chunks: [], bytes: 0, collect, unacked: 0, resolve, reject });
        // Go's transport order: pseudo-headers, then the request's own headers in lower case.
        const fields: Array<[string, string]> = [
          [':authority', this.authority],
          [':method', 'GET'],
          [':path', req.path],
          [':scheme', 'https'],
        ];
        for (const [k, v] of Object.entries(req.headers ?? {})) {
          if (v !== undefined) fields.push([k.toLowerCase(), String(v)]);
        }
        this.sendHeaders(id, this.encoder.encode(fields));
      };
      if (this.streams.size < this.maxConcurrent) start();
      else this.queued.push(start);
    });
  }

  close(): void {
    // Last stream id 0 (this client accepts no pushed streams), error code NO_ERROR.
    this.write(frame(FRAME.GOAWAY, 0, 0, Buffer.alloc(8)));
    this.flush();
    // Not only end(): a half-closed socket would keep the server's session (and server.close()) waiting.
    this.socket.destroySoon();
    this.fail(new Error('session closed'));
  }

  private sendHeaders(id: number, block: Buffer): void {
    this.sentBlockSizes.push(block.length);
    let off = 0;
    let type = FRAME.HEADERS;
    do {
      const part = block.subarray(off, off + this.maxFrameSize);
      off += part.length;
      const last = off >= block.length;
      const flags = (last ? FLAG.END_HEADERS : 0) | (type === FRAME.HEADERS ? FLAG.END_STREAM : 0);
      this.write(frame(type, flags, id, part));
      type = FRAME.CONTINUATION;
    } while (off < block.length);
  }

  /** Frames written in one turn of the event loop go out in one TLS write, as nghttp2 batches them. */
  private write(b: Buffer): void {
    this.outbox.push(b);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    // frames answered after close() (a PING or SETTINGS ack) have nowhere to go
    if (this.outbox.length === 0 || this.socket.destroyed || this.socket.writableEnded) {
      this.outbox = [];
      return;
    }
    this.socket.write(this.outbox.length === 1 ? this.outbox[0] : Buffer.concat(this.outbox));
    this.outbox = [];
  }

  private onData(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    let off = 0;
    try {
      while (this.inbox.length - off >= 9) {
        const len = this.inbox.readUIntBE(off, 3);
        if (this.inbox.length - off < 9 + len) break;
        const type = this.inbox[off + 3];
        const flags = this.inbox[off + 4];
        const stream = this.inbox.readUInt32BE(off + 5) & 0x7fffffff;
        const payload = this.inbox.subarray(off + 9, off + 9 + len);
        off += 9 + len;
        this.onFrame(type, flags, stream, payload);
      }
    } catch (e) {
      this.socket.destroy();
      this.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.inbox = off === this.inbox.length ? Buffer.alloc(0) : this.inbox.subarray(off);
  }

  private onFrame(type: number, flags: number, stream: number, payload: Buffer): void {
    if (this.headerBlock && type !== FRAME.CONTINUATION) throw new Error('expected CONTINUATION');
    switch (type) {
      case FRAME.DATA:
        return this.onDataFrame(flags, stream, payload);
      case FRAME.HEADERS:
        this.headerBlock = { stream, endStream: (flags & FLAG.END_STREAM) !== 0, parts: [] };
        return this.onHeaderFragment(flags, unpad(flags, payload, true));
      case FRAME.CONTINUATION:
        if (!this.headerBlock || this.headerBlock.stream !== stream) throw new Error('unexpected CONTINUATION');
        return this.onHeaderFragment(flags, payload);
      case FRAME.RST_STREAM:
        return this.finish(stream, new Error(`stream ${stream} reset (error code ${payload.readUInt32BE(0)})`));
      case FRAME.SETTINGS:
        if (flags & FLAG.ACK) return;
        for (let i = 0; i + 6 <= payload.length; i += 6)
          this.applySetting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
        this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(0)));
        return;
      case FRAME.PING:
        if (!(flags & FLAG.ACK)) this.write(frame(FRAME.PING, FLAG.ACK, 0, payload));
        return;
      case FRAME.GOAWAY: {
        const last = payload.readUInt32BE(0) & 0x7fffffff;
        const err = new Error(`GOAWAY (error code ${payload.readUInt32BE(4)})`);
        this.closedWith = err;
        for (const id of [...this.streams.keys()]) if (id > last) this.finish(id, err);
        return;
      }
      default:
        // WINDOW_UPDATE: this client sends no DATA. PRIORITY and unknown types are ignored (RFC 9113 5.5).
        return;
    }
  }

  private applySetting(id: number, v: number): void {
    if (id === SETTING.HEADER_TABLE_SIZE) this.encoder.setMaxTableSize(v);
    else if (id === SETTING.MAX_CONCURRENT_STREAMS) this.maxConcurrent = v;
    else if (id === SETTING.MAX_FRAME_SIZE) this.maxFrameSize = v;
  }

  private onHeaderFragment(flags: number, fragment: Buffer): void {
    const hb = this.headerBlock;
    if (!hb) return;
    hb.parts.push(fragment);
    if (!(flags & FLAG.END_HEADERS)) return;
    this.headerBlock = undefined;
    const s = this.streams.get(hb.stream);
    // The first block carries :status; a later one is trailers, which the bench does not read.
    if (s && s.status === 0) s.status = decodeStatus(Buffer.concat(hb.parts));
    if (hb.endStream) this.finish(hb.stream);
  }

  private onDataFrame(flags: number, stream: number, payload: Buffer): void {
    // Flow control counts the whole payload, padding included.
    this.connUnacked += payload.length;
    if (this.connUnacked >= CONNECTION_WINDOW / 2) {
      this.write(windowUpdate(0, this.connUnacked));
      this.connUnacked = 0;
    }
    const s = this.streams.get(stream);
    if (!s) return;
    const data = unpad(flags, payload, false);
    s.bytes += data.length;
    if (s.collect) s.chunks.push(data);
    if (flags & FLAG.END_STREAM) {
      this.finish(stream);
      return;
    }
    s.unacked += payload.length;
    if (s.unacked >= STREAM_WINDOW / 2) {
      this.write(windowUpdate(stream, s.unacked));
      s.unacked = 0;
    }
  }

  private finish(stream: number, err?: Error): void {
    const s = this.streams.get(stream);
    if (!s) return;
    this.streams.delete(stream);
    if (err) s.reject(err);
    else s.resolve({ status: s.status, headers: {}, body: Buffer.concat(s.chunks), bytes: s.bytes });
    const next = this.queued.shift();
    if (next) next();
  }

  private fail(err: Error): void {
    this.closedWith ??= err;
    for (const id of [...this.streams.keys()]) this.finish(id, err);
    for (const start of this.queued.splice(0)) start();
  }
}
