import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { kubeconfigCredentials } from './client';

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

/** A WebSocket handshake and one text message through kapi, on a raw TLS connection with the admin's certificate. */
export function websocketEcho(kc: string, rawPath: string, message: string): Promise<{ head: string; reply: string }> {
  const { server, ca, cert, key } = kubeconfigCredentials(kc);
  const url = new URL(server);
  const wsKey = Buffer.from('kapi-proxy-e2e!!').toString('base64');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port),
      ca,
      cert,
      key,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no websocket echo'));
    }, 10_000);
    let buf = Buffer.alloc(0);
    let head = '';
    const read = frameReader();
    socket.on('secureConnect', () => {
      socket.write(
        `GET ${rawPath} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${wsKey}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (!head) {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) {
          // a refusal: an ordinary response, whose body lasts until the server closes the connection
          let body = buf.subarray(end + 4);
          socket.removeAllListeners('data');
          socket.on('data', (more: Buffer) => (body = Buffer.concat([body, more])));
          socket.on('end', () => {
            clearTimeout(timer);
            resolve({ head, reply: body.toString() });
          });
          return;
        }
        if (!head.includes(`Sec-WebSocket-Accept: ${websocketAccept(wsKey)}`)) {
          reject(new Error(`wrong Sec-WebSocket-Accept in ${head}`));
          return;
        }
        socket.write(textFrame(message, true));
        chunk = buf.subarray(end + 4);
      }
      const [reply] = read(chunk);
      if (reply !== undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ head, reply });
      }
    });
    socket.on('error', reject);
  });
}
