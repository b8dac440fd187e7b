/**
 * The HPACK half of h2-indexing-client.ts: an encoder that indexes every header field the way Go's
 * golang.org/x/net/http2 does (the transport client-go uses), and the smallest decoder the bench needs,
 * one that reads :status from a response header block.
 *
 * Why Go's policy: x/net/http2/transport.go writes each request header with
 * `cc.henc.WriteField(hpack.HeaderField{Name: name, Value: value})`, never setting Sensitive, and
 * hpack/encode.go indexes a field when `!f.Sensitive && f.Size() <= e.dynTab.maxSize`. So a client-go
 * bearer token goes out once as a literal with incremental indexing and as a one-byte indexed field on
 * every later request of the connection. Node's http2 (nghttp2) never indexes `authorization`.
 */

/** RFC 7541 Appendix A. */
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** RFC 7541 4.1: an entry's size counts 32 octets of overhead. */
const entrySize = (name: string, value: string): number => Buffer.byteLength(name) + Buffer.byteLength(value) + 32;

/** RFC 7541 5.1: an integer with an n-bit prefix; `first` carries the representation's flag bits. */
function appendInt(out: number[], first: number, prefixBits: number, v: number): void {
  const max = (1 << prefixBits) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  let rest = v - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/** A raw (not Huffman-coded) string literal: the literal goes out once per connection, so its coding does not matter. */
function appendString(out: number[], s: string): void {
  const b = Buffer.from(s);
  appendInt(out, 0, 7, b.length);
  for (const c of b) out.push(c);
}

export class IndexingEncoder {
  /** Newest first, as RFC 7541 2.3.3 numbers them. */
  private readonly dynamic: Array<{ name: string; value: string; size: number }> = [];
  private size = 0;
  private maxSize = 4096;
  private sizeUpdatePending = false;

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: shrinks (evicting) or grows the table, announced in the next block. */
  setMaxTableSize(v: number): void {
    if (v === this.maxSize) return;
    this.maxSize = v;
    this.sizeUpdatePending = true;
    this.evict(0);
  }

  /** Number of entries in the dynamic table (for tests). */
  get entries(): number {
    return this.dynamic.length;
  }

  encode(fields: ReadonlyArray<readonly [string, string]>): Buffer {
    const out: number[] = [];
    if (this.sizeUpdatePending) {
      appendInt(out, 0x20, 5, this.maxSize);
      this.sizeUpdatePending = false;
    }
    for (const [name, value] of fields) this.encodeField(out, name, value);
    return Buffer.from(out);
  }

  private encodeField(out: number[], name: string, value: string): void {
    let nameIndex = 0;
    for (let i = 0; i < STATIC_TABLE.length; i++) {
      const [n, v] = STATIC_TABLE[i];
      if (n !== name) continue;
      if (v === value) {
        appendInt(out, 0x80, 7, i + 1);
        return;
      }
      if (nameIndex === 0) nameIndex = i + 1;
    }
    for (let i = 0; i < this.dynamic.length; i++) {
      const e = this.dynamic[i];
      if (e.name !== name) continue;
      if (e.value === value) {
        appendInt(out, 0x80, 7, STATIC_TABLE.length + i + 1);
        return;
      }
      if (nameIndex === 0) nameIndex = STATIC_TABLE.length + i + 1;
    }
    const size = entrySize(name, value);
    // Go's shouldIndex: anything that fits in the table (a name index refers to the table before the insertion).
    const indexing = size <= this.maxSize;
    if (indexing) appendInt(out, 0x40, 6, nameIndex);
    else appendInt(out, 0x00, 4, nameIndex);
    if (nameIndex === 0) appendString(out, name);
    appendString(out, value);
    if (indexing) {
      this.evict(size);
      this.dynamic.unshift({ name, value, size });
      this.size += size;
    }
  }

  /** Evicts the oldest entries until `room` more octets fit (RFC 7541 4.4). */
  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.size + room > this.maxSize) {
      const old = this.dynamic.pop();
      if (old) this.size -= old.size;
    }
  }
}

/**
 * The Huffman codes of the ten digits (RFC 7541 Appendix B): '0'-'2' are 5 bits (0-2), '3'-'9' are
 * 6 bits (0b011001-0b011111). A status code is three digits, so nothing else is needed.
 */
function huffmanDigits(b: Buffer): string {
  let out = '';
  let code = 0;
  let len = 0;
  for (let bit = 0; bit < b.length * 8; bit++) {
    code = (code << 1) | ((b[bit >> 3] >> (7 - (bit & 7))) & 1);
    len++;
    if (len === 5 && code <= 2) {
      out += String(code);
    } else if (len === 6 && code >= 0b011001 && code <= 0b011111) {
      out += String(code - 0b011001 + 3);
    } else {
      // Past 5 bits only the all-ones padding (at most 7 bits) may still be pending.
      if (len >= 6 && (len > 7 || code !== (1 << len) - 1)) {
        throw new Error('HPACK: :status holds a Huffman code that is not a digit');
      }
      continue;
    }
    code = 0;
    len = 0;
  }
  // Padding: fewer than 8 bits, all ones (the EOS prefix).
  if (len > 0 && code !== (1 << len) - 1) throw new Error('HPACK: bad Huffman padding');
  return out;
}

class BlockReader {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  byte(): number {
    if (this.pos >= this.b.length) throw new Error('HPACK: truncated header block');
    return this.b[this.pos];
  }

  int(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let v = this.byte() & max;
    this.pos++;
    if (v < max) return v;
    let shift = 0;
    for (;;) {
      const c = this.byte();
      this.pos++;
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
      if ((c & 0x80) === 0) return v;
    }
  }

  string(): string {
    const huffman = (this.byte() & 0x80) !== 0;
    const len = this.int(7);
    const raw = this.b.subarray(this.pos, this.pos + len);
    if (raw.length !== len) throw new Error('HPACK: truncated string literal');
    this.pos += len;
    return huffman ? huffmanDigits(raw) : raw.toString('latin1');
  }
}

/**
 * The :status of a response header block, its first field (RFC 9113 8.3). Only for a connection whose
 * SETTINGS_HEADER_TABLE_SIZE is 0: the server then indexes nothing, so leading table size updates can
 * be skipped and every index is a static one.
 */
export function decodeStatus(block: Buffer): number {
  const r = new BlockReader(block);
  while ((r.byte() & 0xe0) === 0x20) r.int(5);
  const first = r.byte();
  let nameIndex: number;
  if (first & 0x80) {
    const i = r.int(7);
    const entry = STATIC_TABLE[i - 1];
    if (i < 1 || !entry || entry[0] !== ':status') throw new Error(`HPACK: first response field is index ${i}`);
    return Number(entry[1]);
  }
  if (first & 0x40) nameIndex = r.int(6);
  else nameIndex = r.int(4);
  const name = nameIndex === 0 ? r.string() : STATIC_TABLE[nameIndex - 1]?.[0];
  if (name !== ':status') throw new Error(`HPACK: first response field is ${name ?? `index ${nameIndex}`}`);
  const status = Number(r.string());
  if (!Number.isInteger(status)) throw new Error('HPACK: :status is not a number');
  return status;
}
