/**
 * Just enough protobuf wire-format reading for the harness to recognise what kapi sends: the
 * `k8s\0` + runtime.Unknown envelope, list items, object names and watch frames. Independent of
 * kapi's codec on purpose (the harness must not trust the code it measures).
 */

export const MEDIA_PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function varint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  throw new Error('truncated varint');
}

/** The length-delimited fields of one message, by field number, in order. Other wire types are skipped. */
export function fields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    pos = p1;
    if (wire === 0) {
      pos = varint(buf, pos)[1];
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      const [len, p2] = varint(buf, pos);
      if (p2 + len > buf.length) throw new Error('truncated field');
      const list = out.get(field) ?? [];
      list.push(buf.subarray(p2, p2 + len));
      out.set(field, list);
      pos = p2 + len;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

const first = (m: Map<number, Buffer[]>, n: number): Buffer | undefined => m.get(n)?.[0];

/** The runtime.Unknown raw bytes (field 2) of a `k8s\0` envelope. */
export function unwrap(body: Buffer): Buffer {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error('no k8s\\0 magic');
  const raw = first(fields(body.subarray(4)), 2);
  if (!raw) throw new Error('envelope without raw');
  return raw;
}

/** metadata.name (ObjectMeta is field 1 of every object; name is field 1 of ObjectMeta). */
export function objectName(obj: Buffer): string {
  const meta = first(fields(obj), 1);
  return meta ? (first(fields(meta), 1)?.toString('utf8') ?? '') : '';
}

/** The encoded items (field 2) of a list body (an envelope around e.g. ConfigMapList). */
export function listItems(body: Buffer): Buffer[] {
  return fields(unwrap(body)).get(2) ?? [];
}

/** Type and object name of a meta/v1 WatchEvent {1: type, 2: RawExtension {1: raw = envelope}}. */
export function watchEvent(msg: Buffer): { type: string; name: string } | undefined {
  try {
    const ev = fields(msg);
    const type = first(ev, 1)?.toString('utf8') ?? '';
    const ext = first(ev, 2);
    const raw = ext ? first(fields(ext), 1) : undefined;
    return { type, name: raw ? objectName(unwrap(raw)) : '' };
  } catch {
    return undefined;
  }
}
