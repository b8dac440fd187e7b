/**
 * Decoding of Kubernetes protobuf bytes into the canonical JSON shape, driven by the SchemaSet and
 * read with protobufjs's Reader. Malformed input is a 400 Status, never an exception of another kind.
 */
import { Reader, type Long } from 'protobufjs/minimal';
import { newBadRequest, StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { messageForApiVersionKind } from '../schema/kinds';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import { decodeUnknown, hasProtobufMagic } from './envelope';
import { formatGoDuration, formatMicroTime, formatTime } from './forms';
import { parseFieldsV1Json } from './fieldsv1-json';
import { normalizeObject, DEFAULT_MAX_DEPTH } from './json';
import { asObject, wireTypeOf, type Obj } from './protobuf-wire';
import { setMember, tablesFor } from './tables';

class WireError extends Error {}

interface DecodeContext {
  schemas: SchemaSet;
  maxDepth: number;
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
      throw new WireError(`invalid wire type ${wireType}`);
  }
}

function longToBigInt(v: number | Long): bigint {
  if (typeof v === 'number') return BigInt(v);
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? bits : BigInt.asIntN(64, bits);
}

function longToNumber(v: number | Long): number {
  return typeof v === 'number' ? v : Number(longToBigInt(v));
}

function readLengthDelimited(r: Reader): Uint8Array {
  const len = r.uint32();
  if (len > r.len - r.pos) throw new WireError(`length ${len} exceeds the remaining ${r.len - r.pos} bytes`);
  const start = r.pos;
  r.pos += len;
  return r.buf.subarray(start, start + len);
}

/** A Buffer view of the bytes, not a copy (a copy per map key doubles a big map's decode). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function readScalar(r: Reader, type: string): unknown {
  switch (type) {
    case 'string':
      return asBuffer(readLengthDelimited(r)).toString('utf8');
    case 'bytes':
      return asBuffer(readLengthDelimited(r)).toString('base64');
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'sint32':
      return r.sint32();
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.sfixed32();
    case 'int64':
      return longToNumber(r.int64());
    case 'uint64':
      return longToNumber(r.uint64());
    case 'sint64':
      return longToNumber(r.sint64());
    case 'fixed64':
      return longToNumber(r.fixed64());
    case 'sfixed64':
      return longToNumber(r.sfixed64());
    case 'double':
      return r.double();
    case 'float':
      return r.float();
    default:
      throw new WireError(`unsupported scalar type ${type}`);
  }
}

function expectWireType(f: FieldSchema, actual: number, expected: number): void {
  if (actual !== expected)
    throw new WireError(`field ${f.name} (${f.number}) has wire type ${actual}, expected ${expected}`);
}

/** Reads one element or, for a packed encoding, all elements of a repeated scalar. */
function readRepeatedScalar(r: Reader, f: FieldSchema, wireType: number, into: unknown[]): void {
  const expected = wireTypeOf(f.type);
  if (wireType === 2 && expected !== 2) {
    const packed = Reader.create(readLengthDelimited(r));
    while (packed.pos < packed.len) into.push(readScalar(packed, f.type));
    return;
  }
  expectWireType(f, wireType, expected);
  into.push(readScalar(r, f.type));
}

function readMapEntry(ctx: DecodeContext, f: FieldSchema, bytes: Uint8Array, depth: number): [string, unknown] {
  const keyType = f.keyType ?? 'string';
  const valueType = String(f.valueType);
  const r = Reader.create(bytes);
  let key: unknown;
  let value: unknown;
  let valueBytes: Uint8Array | undefined;
  while (r.pos < r.len) {
    const t = r.uint32();
    const number = t >>> 3;
    const wireType = t & 7;
    if (number === 1) {
      expectWireType(f, wireType, wireTypeOf(keyType));
      key = readScalar(r, keyType);
    } else if (number === 2) {
      if (f.valueKind === 'message') {
        expectWireType(f, wireType, 2);
        valueBytes = readLengthDelimited(r);
      } else {
        expectWireType(f, wireType, wireTypeOf(valueType));
        value = readScalar(r, valueType);
      }
    } else {
      skipField(r, wireType);
    }
  }
  if (f.valueKind === 'message') value = readMessage(ctx, valueType, valueBytes ?? new Uint8Array(0), depth + 1);
  else if (value === undefined) value = valueType === 'bytes' ? null : zeroScalar(valueType);
  return [key === undefined ? (keyType === 'string' ? '' : '0') : String(key), value === undefined ? null : value];
}

function isStringMap(f: FieldSchema): boolean {
  return (f.keyType ?? 'string') === 'string' && f.valueKind !== 'message' && f.valueType === 'string';
}

/** A length-delimited string at the reader's position, read straight from its Buffer (no copy, no view object). */
function readStringAt(r: Reader, buf: Buffer, end: number): string {
  const len = r.uint32();
  if (len > end - r.pos) throw new WireError(`length ${len} exceeds the remaining ${end - r.pos} bytes`);
  const start = r.pos;
  r.pos += len;
  return buf.toString('utf8', start, start + len);
}

/**
 * One map<string, string> entry read in place: the generic path's sub-reader and byte view per
 * entry are most of the decode of a ConfigMap with 200,000 keys, read on every cache fill.
 */
function readStringMapEntry(r: Reader, f: FieldSchema, map: Obj): void {
  const buf = r.buf as Buffer;
  const len = r.uint32();
  if (len > r.len - r.pos) throw new WireError(`length ${len} exceeds the remaining ${r.len - r.pos} bytes`);
  const end = r.pos + len;
  const outer = r.len;
  // the entry's fields are read with the same reader, bounded to the entry
  r.len = end;
  let key = '';
  let value = '';
  try {
    while (r.pos < end) {
      const t = r.uint32();
      const number = t >>> 3;
      const wireType = t & 7;
      if (number === 1 || number === 2) {
        expectWireType(f, wireType, 2);
        if (number === 1) key = readStringAt(r, buf, end);
        else value = readStringAt(r, buf, end);
      } else {
        skipField(r, wireType);
      }
    }
  } finally {
    r.len = outer;
  }
  setMember(map, key, value);
}

function zeroScalar(type: string): unknown {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';

function parseRawJson(ctx: DecodeContext, bytes: Uint8Array, depth: number, fieldsV1 = false): unknown {
  if (bytes.length === 0) return undefined;
  if (hasProtobufMagic(bytes)) return decodeEmbeddedObject(ctx, bytes, depth + 1);
  let value: unknown;
  try {
    const text = asBuffer(bytes).toString('utf8');
    value = fieldsV1 ? parseFieldsV1Json(text) : JSON.parse(text);
  } catch {
    throw new WireError('embedded raw bytes are neither JSON nor protobuf');
  }
  return value;
}

function readCustom(ctx: DecodeContext, schema: MessageSchema, bytes: Uint8Array, depth: number): unknown {
  const r = Reader.create(bytes);
  const fields = new Map<number, unknown>();
  const lists = new Map<number, unknown[]>();
  const form = schema.customJson;
  const byNumber = tablesFor(ctx.schemas, schema.fullName).byNumber;
  while (r.pos < r.len) {
    const t = r.uint32();
    const number = t >>> 3;
    const wireType = t & 7;
    const f = byNumber.get(number);
    if (!f) {
      skipField(r, wireType);
      continue;
    }
    if (f.kind === 'message') {
      expectWireType(f, wireType, 2);
      const value = readMessage(ctx, f.type, readLengthDelimited(r), depth + 1);
      if (f.label === 'repeated') {
        const list = lists.get(number) ?? [];
        list.push(value);
        lists.set(number, list);
      } else fields.set(number, value);
    } else if (f.label === 'repeated') {
      const list = lists.get(number) ?? [];
      readRepeatedScalar(r, f, wireType, list);
      lists.set(number, list);
    } else if (f.type === 'bytes') {
      expectWireType(f, wireType, 2);
      fields.set(number, readLengthDelimited(r));
    } else {
      expectWireType(f, wireType, wireTypeOf(f.type));
      fields.set(number, f.type === 'int64' ? r.int64() : readScalar(r, f.type));
    }
  }
  switch (form) {
    case 'Time':
    case 'MicroTime': {
      if (bytes.length === 0) return undefined;
      const secondsRaw = fields.get(1) as number | Long | undefined;
      const seconds = secondsRaw === undefined ? 0 : longToNumber(secondsRaw);
      const nanos = Number(fields.get(2) ?? 0);
      if (!Number.isSafeInteger(seconds) || Math.abs(seconds) > 253402300799) throw new WireError('time out of range');
      return form === 'Time' ? formatTime({ seconds, nanos }) : formatMicroTime({ seconds, nanos });
    }
    case 'Duration': {
      const raw = fields.get(1) as number | Long | undefined;
      return formatGoDuration(raw === undefined ? 0n : longToBigInt(raw));
    }
    case 'Quantity':
      return fields.get(1) ?? '0';
    case 'IntOrString': {
      const type = fields.get(1) as number | Long | undefined;
      return type !== undefined && longToNumber(type) === 1 ? (fields.get(3) ?? '') : (fields.get(2) ?? 0);
    }
    case 'RawJSON': {
      const raw = fields.get(1);
      return raw instanceof Uint8Array ? parseRawJson(ctx, raw, depth, schema.fullName === FIELDS_V1) : undefined;
    }
    case 'StringArray':
      return lists.get(1) ?? null;
    case 'JSONSchemaPropsOrBool':
      return fields.get(2) ?? fields.get(1) ?? false;
    case 'JSONSchemaPropsOrArray': {
      const list = lists.get(2);
      return list && list.length > 0 ? list : (fields.get(1) ?? null);
    }
    case 'JSONSchemaPropsOrStringArray': {
      const list = lists.get(2);
      return list && list.length > 0 ? list : (fields.get(1) ?? null);
    }
    default:
      return undefined;
  }
}

/** Decodes one message into its (not yet normalized) JSON shape. */
function readMessage(ctx: DecodeContext, fullName: string, bytes: Uint8Array, depth: number): unknown {
  if (depth > ctx.maxDepth) throw new WireError('exceeded max depth');
  const tables = tablesFor(ctx.schemas, fullName);
  if (tables.schema.customJson) return readCustom(ctx, tables.schema, bytes, depth);
  const out: Obj = {};
  const r = Reader.create(bytes);
  while (r.pos < r.len) {
    const t = r.uint32();
    const number = t >>> 3;
    const wireType = t & 7;
    if (number === 0) throw new WireError('illegal tag 0');
    const f = tables.byNumber.get(number);
    if (!f || (f.jsonName === '-' && !f.inline)) {
      skipField(r, wireType);
      continue;
    }
    if (f.inline && f.kind === 'message') {
      expectWireType(f, wireType, 2);
      const inner = asObject(readMessage(ctx, f.type, readLengthDelimited(r), depth + 1));
      for (const [k, v] of Object.entries(inner)) setMember(out, k, v);
      continue;
    }
    const name = f.jsonName;
    if (f.label === 'map') {
      expectWireType(f, wireType, 2);
      const map = asObject(out[name]);
      if (out[name] !== map) out[name] = map;
      if (isStringMap(f) && Buffer.isBuffer(r.buf)) {
        readStringMapEntry(r, f, map);
        continue;
      }
      const [k, v] = readMapEntry(ctx, f, readLengthDelimited(r), depth);
      setMember(map, k, v);
    } else if (f.label === 'repeated') {
      const list = Array.isArray(out[name]) ? (out[name] as unknown[]) : [];
      out[name] = list;
      if (f.kind === 'message') {
        expectWireType(f, wireType, 2);
        const item = readMessage(ctx, f.type, readLengthDelimited(r), depth + 1);
        list.push(item === undefined ? null : item);
      } else {
        readRepeatedScalar(r, f, wireType, list);
      }
    } else if (f.kind === 'message') {
      expectWireType(f, wireType, 2);
      const value = readMessage(ctx, f.type, readLengthDelimited(r), depth + 1);
      if (value === undefined) delete out[name];
      else out[name] = value;
    } else {
      expectWireType(f, wireType, wireTypeOf(f.type));
      out[name] = readScalar(r, f.type);
    }
  }
  return out;
}

function toBadRequest(err: unknown, what: string): StatusError {
  if (err instanceof StatusError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return newBadRequest(`unable to decode ${what} from protobuf: ${detail}`);
}

function decodeEmbeddedObject(ctx: DecodeContext, bytes: Uint8Array, depth: number): KubeObject {
  const envelope = decodeUnknown(bytes);
  const fullName = messageForApiVersionKind(ctx.schemas, envelope.apiVersion, envelope.kind);
  if (!fullName) throw new WireError(`no kind "${envelope.kind}" is registered for version "${envelope.apiVersion}"`);
  const body = asObject(readMessage(ctx, fullName, envelope.raw, depth + 1));
  return normalizeObject(ctx.schemas, fullName, { kind: envelope.kind, apiVersion: envelope.apiVersion, ...body });
}

/** Decodes the bytes of one message (no envelope) into the canonical JSON shape. Malformed input is a 400. */
export function decodeMessage(
  schemas: SchemaSet,
  fullName: string,
  bytes: Uint8Array,
  maxDepth = DEFAULT_MAX_DEPTH,
): KubeObject {
  try {
    const raw = readMessage({ schemas, maxDepth }, fullName, bytes, 0);
    return normalizeObject(schemas, fullName, asObject(raw) as KubeObject);
  } catch (err) {
    throw toBadRequest(err, fullName.slice(fullName.lastIndexOf('.') + 1));
  }
}

/** Decodes an enveloped object; kind and apiVersion come from the envelope. */
export function decodeObjectProtobuf(schemas: SchemaSet, bytes: Uint8Array): KubeObject {
  const envelope = decodeUnknown(bytes);
  const fullName = messageForApiVersionKind(schemas, envelope.apiVersion, envelope.kind);
  if (!fullName) {
    throw newBadRequest(`no kind "${envelope.kind}" is registered for version "${envelope.apiVersion}"`);
  }
  try {
    const body = asObject(readMessage({ schemas, maxDepth: DEFAULT_MAX_DEPTH }, fullName, envelope.raw, 0));
    return normalizeObject(schemas, fullName, { kind: envelope.kind, apiVersion: envelope.apiVersion, ...body });
  } catch (err) {
    throw toBadRequest(err, envelope.kind);
  }
}
