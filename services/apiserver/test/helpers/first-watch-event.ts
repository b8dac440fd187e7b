import https from 'node:https';
import type { ApiClient } from './client';
import { lengthDelimitedFields } from './upstream-storage';

export interface RawWatchEvent {
  type: string;
  /** JSON: the event's object member, as text; protobuf: RawExtension.raw (a whole k8s\0 envelope). */
  object: Buffer;
}

function parseProtobufFrame(frame: Buffer): RawWatchEvent {
  const type = Buffer.from(lengthDelimitedFields(frame, 1)[0] ?? []).toString('utf8');
  const ext = lengthDelimitedFields(frame, 2)[0] ?? new Uint8Array();
  return { type, object: Buffer.from(lengthDelimitedFields(ext, 1)[0] ?? []) };
}

/**
 * Opens a watch and returns its first event with the object's bytes untouched:
 * newline-delimited JSON, or length-prefixed protobuf WatchEvent frames.
 */
export function firstWatchEvent(
  c: ApiClient,
  path: string,
  accept: string,
  timeoutMs = 10_000,
): Promise<RawWatchEvent> {
  const agent = (c as unknown as { agent: https.Agent }).agent;
  const protobuf = accept.startsWith('application/vnd.kubernetes.protobuf');
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const req = https.get(new URL(path, c.server), { agent, headers: { accept } }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
        return;
      }
      res.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (protobuf) {
          if (buf.length < 4 || buf.length < 4 + buf.readUInt32BE(0)) return;
          req.destroy();
          resolve(parseProtobufFrame(buf.subarray(4, 4 + buf.readUInt32BE(0))));
          return;
        }
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        req.destroy();
        const event = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { type: string; object: unknown };
        resolve({ type: event.type, object: Buffer.from(JSON.stringify(event.object)) });
      });
    });
    req.on('error', () => undefined);
    setTimeout(() => {
      req.destroy();
      reject(new Error(`no watch event on ${path} within ${timeoutMs} ms`));
    }, timeoutMs).unref();
  });
}
