/**
 * Encoding of the JSON shape into Kubernetes protobuf bytes, driven by the SchemaSet and written
 * with protobufjs's Writer so the byte layout matches kube-apiserver's gogo-generated marshallers.
 */
import { Writer } from 'protobufjs/minimal';
import { newInternalError, StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { messageForApiVersionKind } from '../schema/kinds';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import { encodeUnknown } from './envelope';
import { parseGoDuration, parseRfc3339 } from './forms';
import { asObject, wireTypeOf, type Obj } from './protobuf-wire';
import { sortedGoKeys, tablesFor } from './tables';

function toInt64(v: unknown): number | string {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v;
  return 0;
}

function writeScalar(w: Writer, type: string, v: unknown): void {
  switch (type) {
    case 'string':
      w.string(typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
      return;
    case 'bytes':
      w.bytes(typeof v === 'string' ? Buffer.from(v, 'base64') : new Uint8Array(0));
      return;
    case 'bool':
      w.bool(v === true);
      return;
    case 'int32':
      w.int32(Number(v) | 0);
      return;
    case 'uint32':
      w.uint32(Number(v) >>> 0);
      return;
    case 'sint32':
      w.sint32(Number(v) | 0);
      return;
    case 'fixed32':
      w.fixed32(Number(v) >>> 0);
      return;
    case 'sfixed32':
      w.sfixed32(Number(v) | 0);
      return;
    case 'int64':
      w.int64(toInt64(v));
      return;
    case 'uint64':
      w.uint64(toInt64(v));
      return;
    case 'sint64':
      w.sint64(toInt64(v));
      return;
    case 'fixed64':
      w.fixed64(toInt64(v));
      return;
    case 'sfixed64':
      w.sfixed64(toInt64(v));
      return;
    case 'double':
      w.double(typeof v === 'number' ? v : 0);
      return;
    case 'float':
      w.float(typeof v === 'number' ? v : 0);
      return;
    default:
      throw new Error(`unsupported scalar type ${type}`);
  }
}

function tag(w: Writer, number: number, wireType: number): Writer {
  return w.uint32(((number << 3) | wireType) >>> 0);
}

function writeSubmessage(schemas: SchemaSet, w: Writer, number: number, fullName: string, v: unknown): void {
  tag(w, number, 2).fork();
  writeMessageBody(schemas, w, fullName, v);
  w.ldelim();
}

function writeCustom(schemas: SchemaSet, w: Writer, schema: MessageSchema, v: unknown): void {
  switch (schema.customJson) {
    case 'Time':
    case 'MicroTime': {
      const instant = typeof v === 'string' ? parseRfc3339(v) : undefined;
      if (!instant) return; // zero time: empty message
      const nanos = schema.customJson === 'Time' ? 0 : Math.floor(instant.nanos / 1000) * 1000;
      tag(w, 1, 0).int64(instant.seconds);
      tag(w, 2, 0).int32(nanos);
      return;
    }
    case 'Duration': {
      const ns = typeof v === 'string' ? (parseGoDuration(v) ?? 0n) : 0n;
      tag(w, 1, 0).int64(ns.toString());
      return;
    }
    case 'Quantity':
      tag(w, 1, 2).string(v === undefined || v === null ? '0' : String(v));
      return;
    case 'IntOrString':
      if (typeof v === 'string') {
        tag(w, 1, 0).int64(1);
        tag(w, 2, 0).int32(0);
        tag(w, 3, 2).string(v);
      } else {
        tag(w, 1, 0).int64(0);
        tag(w, 2, 0).int32(typeof v === 'number' ? v | 0 : 0);
        tag(w, 3, 2).string('');
      }
      return;
    case 'RawJSON':
      if (v !== undefined && v !== null) tag(w, 1, 2).bytes(Buffer.from(JSON.stringify(v)));
      return;
    case 'StringArray':
      if (Array.isArray(v)) for (const item of v) tag(w, 1, 2).string(String(item));
      return;
    case 'JSONSchemaPropsOrBool': {
      const props = schema.fullName.replace(/OrBool$/, '');
      const isSchema = typeof v === 'object' && v !== null;
      tag(w, 1, 0).bool(isSchema || v === true);
      if (isSchema) writeSubmessage(schemas, w, 2, props, v);
      return;
    }
    case 'JSONSchemaPropsOrArray':
    case 'JSONSchemaPropsOrStringArray': {
      const props = schema.fullName.replace(/Or(Array|StringArray)$/, '');
      if (Array.isArray(v)) {
        for (const item of v) {
          if (schema.customJson === 'JSONSchemaPropsOrArray') writeSubmessage(schemas, w, 2, props, item);
          else tag(w, 2, 2).string(String(item));
        }
      } else if (typeof v === 'object' && v !== null) {
        writeSubmessage(schemas, w, 1, props, v);
      }
      return;
    }
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** protobufjs's Writer keeps a list of pending writes; this appends one that copies prepared bytes. */
interface RawWriter {
  _push(fn: (val: Buffer, buf: Uint8Array, pos: number) => void, len: number, val: Buffer): Writer;
}

function copyInto(val: Buffer, buf: Uint8Array, pos: number): void {
  buf.set(val, pos);
}

/**
 * A map<string, string> field written into one buffer: the generic path costs a fork, a
 * length-delimit and several queued writes per entry, which for a ConfigMap of 200,000 keys
 * is most of an encode. Same bytes: entries in Go key order, key (1) and value (2) always written.
 */
function writeStringMap(w: Writer, number: number, map: Obj): void {
  const keys = sortedGoKeys(Object.keys(map));
  if (keys.length === 0) return;
  const fieldTag = ((number << 3) | 2) >>> 0;
  const tagSize = varintSize(fieldTag);
  const values: string[] = new Array<string>(keys.length);
  const sizes = new Array<number>(keys.length * 2);
  let total = 0;
  for (let i = 0; i < keys.length; i++) {
    const item = map[keys[i]];
    const value = typeof item === 'string' ? item : item === undefined || item === null ? '' : String(item);
    values[i] = value;
    const kl = Buffer.byteLength(keys[i]);
    const vl = Buffer.byteLength(value);
    sizes[2 * i] = kl;
    sizes[2 * i + 1] = vl;
    const entry = 1 + varintSize(kl) + kl + 1 + varintSize(vl) + vl;
    total += tagSize + varintSize(entry) + entry;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < keys.length; i++) {
    const kl = sizes[2 * i];
    const vl = sizes[2 * i + 1];
    pos = writeVarint(buf, pos, fieldTag);
    pos = writeVarint(buf, pos, 1 + varintSize(kl) + kl + 1 + varintSize(vl) + vl);
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, kl);
    pos += buf.write(keys[i], pos, kl, 'utf8');
    buf[pos++] = 0x12;
    pos = writeVarint(buf, pos, vl);
    pos += buf.write(values[i], pos, vl, 'utf8');
  }
  (w as unknown as RawWriter)._push(copyInto, total, buf);
}

function writeField(schemas: SchemaSet, w: Writer, f: FieldSchema, obj: Obj): void {
  if (f.inline && f.kind === 'message') {
    writeSubmessage(schemas, w, f.number, f.type, obj);
    return;
  }
  if (f.jsonName === '-' || f.jsonName === '') return;
  const v = obj[f.jsonName];
  const absent = v === undefined || v === null;
  if (f.label === 'map') {
    if (absent || typeof v !== 'object') return;
    const map = v as Obj;
    const keyType = f.keyType ?? 'string';
    if (keyType === 'string' && f.valueKind !== 'message' && f.valueType === 'string') {
      writeStringMap(w, f.number, map);
      return;
    }
    for (const k of sortedGoKeys(Object.keys(map))) {
      const item = map[k];
      tag(w, f.number, 2).fork();
      tag(w, 1, wireTypeOf(keyType));
      writeScalar(w, keyType, keyType === 'string' ? k : Number(k));
      if (f.valueKind === 'message') writeSubmessage(schemas, w, 2, String(f.valueType), item);
      else if (!(item === null && f.valueType === 'bytes')) {
        tag(w, 2, wireTypeOf(String(f.valueType)));
        writeScalar(w, String(f.valueType), item);
      }
      w.ldelim();
    }
    return;
  }
  if (f.label === 'repeated') {
    if (!Array.isArray(v)) return;
    for (const item of v) {
      if (f.kind === 'message') writeSubmessage(schemas, w, f.number, f.type, item);
      else {
        tag(w, f.number, wireTypeOf(f.type));
        writeScalar(w, f.type, item);
      }
    }
    return;
  }
  if (absent && f.pointer) return;
  if (f.kind === 'message') {
    writeSubmessage(schemas, w, f.number, f.type, absent ? undefined : v);
    return;
  }
  tag(w, f.number, wireTypeOf(f.type));
  writeScalar(w, f.type, v);
}

function writeMessageBody(schemas: SchemaSet, w: Writer, fullName: string, v: unknown): void {
  const tables = tablesFor(schemas, fullName);
  if (tables.schema.customJson) {
    writeCustom(schemas, w, tables.schema, v);
    return;
  }
  const obj = asObject(v);
  for (const f of tables.byNumberOrder) writeField(schemas, w, f, obj);
}

/** Encodes an object (JSON shape) as the bytes of one message, without the envelope. */
export function encodeMessage(schemas: SchemaSet, fullName: string, obj: KubeObject): Uint8Array {
  try {
    const w = Writer.create();
    writeMessageBody(schemas, w, fullName, obj);
    return w.finish();
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw newInternalError(`encoding ${fullName} as protobuf: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `k8s\0` + runtime.Unknown of an object whose message follows from its apiVersion and kind. */
export function encodeObjectProtobuf(schemas: SchemaSet, obj: KubeObject): Uint8Array {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const fullName = messageForApiVersionKind(schemas, apiVersion, kind);
  if (!fullName) {
    throw new StatusError(406, 'NotAcceptable', `object ${apiVersion}, Kind=${kind} cannot be encoded as protobuf`);
  }
  return encodeUnknown({ apiVersion, kind }, encodeMessage(schemas, fullName, obj));
}
