/**
 * The `application/vnd.kubernetes.protobuf` envelope: magic `k8s\0` followed by a
 * runtime.Unknown (typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4).
 */
import { Reader, Writer } from 'protobufjs/minimal';
import { newBadRequest, StatusError } from '../api/errors';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface TypeMetaRef {
  apiVersion: string;
  kind: string;
}

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasProtobufMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x6b && bytes[1] === 0x38 && bytes[2] === 0x73 && bytes[3] === 0x00;
}

/** Wraps an already encoded message, writing every Unknown field as upstream does (empty strings included). */
export function encodeUnknown(
  typeMeta: TypeMetaRef,
  raw: Uint8Array,
  contentEncoding = '',
  contentType = '',
): Uint8Array {
  const w = Writer.create();
  w.uint32(0x0a).fork();
  w.uint32(0x0a).string(typeMeta.apiVersion ?? '');
  w.uint32(0x12).string(typeMeta.kind ?? '');
  w.ldelim();
  w.uint32(0x12).bytes(raw);
  w.uint32(0x1a).string(contentEncoding);
  w.uint32(0x22).string(contentType);
  const body = w.finish();
  const out = new Uint8Array(4 + body.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(body, 4);
  return out;
}

function skipField(r: Reader, wireType: number): void {
  switch (wireType) {
    case 0:
      r.uint64();
      return;
    case 1:
      r.skip(8);
      return;
    case 2:
      r.skip(r.uint32());
      return;
    case 5:
      r.skip(4);
      return;
    default:
      throw new Error(`invalid wire type ${wireType}`);
  }
}

function readTypeMeta(bytes: Uint8Array, out: UnknownEnvelope): void {
  const r = Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if ((field === 1 || field === 2) && (tag & 7) === 2) {
      const s = r.string();
      if (field === 1) out.apiVersion = s;
      else out.kind = s;
    } else {
      skipField(r, tag & 7);
    }
  }
}

/** Parses the envelope; anything malformed is a 400. */
export function decodeUnknown(bytes: Uint8Array): UnknownEnvelope {
  if (!hasProtobufMagic(bytes))
    throw newBadRequest('provided object is not a protobuf message: missing the k8s\\0 prefix');
  const out: UnknownEnvelope = {
    apiVersion: '',
    kind: '',
    raw: new Uint8Array(0),
    contentEncoding: '',
    contentType: '',
  };
  try {
    const r = Reader.create(bytes.subarray(4));
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field >= 1 && field <= 4 && wireType === 2) {
        const value = r.bytes();
        if (field === 1) readTypeMeta(value, out);
        else if (field === 2) out.raw = value;
        else if (field === 3) out.contentEncoding = Buffer.from(value).toString('utf8');
        else out.contentType = Buffer.from(value).toString('utf8');
      } else {
        skipField(r, wireType);
      }
    }
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw newBadRequest(`unable to decode protobuf envelope: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}
