import { createHash } from 'node:crypto';

/** RFC 6455's Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** One final text frame (payload under 64 KiB); clients must mask theirs. */
export function textFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text);
  const lengthBytes = payload.length < 126 ? [payload.length] : [126, payload.length >> 8, payload.length & 0xff];
  const head = Buffer.from([0x81, (masked ? 0x80 : 0) | lengthBytes[0], ...lengthBytes.slice(1)]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([head, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

/** Reads whole text frames from a byte stream; `feed` returns the frames completed so far. */
export function frameReader(): (chunk: Buffer) => string[] {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    const out: string[] = [];
    for (;;) {
      if (buf.length < 2) return out;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) return out;
        len = buf.readUInt16BE(2);
        offset = 4;
      }
      const maskLen = masked ? 4 : 0;
      if (buf.length < offset + maskLen + len) return out;
      const mask = buf.subarray(offset, offset + maskLen);
      const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      out.push(payload.toString());
      buf = buf.subarray(offset + maskLen + len);
    }
  };
}
