/**
 * The Kubernetes JSON codec, driven by the SchemaSet: validates request bodies against
 * the message schema (types, unknown fields) and writes the canonical JSON form that
 * Go's encoding/json produces for the same struct.
 */
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { ownKeys } from '../api/key-snapshots';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import {
  formatGoDuration,
  formatMicroTime,
  formatTime,
  isValidBase64,
  isValidQuantity,
  isZeroInstant,
  parseGoDuration,
  parseRfc3339,
  QUANTITY_ERROR,
} from './forms';
import { keysInGoOrder, setMember, sortedGoKeys, tablesFor, type JsonMember } from './tables';

export const DEFAULT_MAX_DEPTH = 100;

/** Upstream's JSON decoder accumulates at most this many strict errors (unknown and duplicate fields) per body. */
export const MAX_STRICT_ERRORS = 100;

export interface DecodeOptions {
  /** nesting limit for objects and arrays; deeper input is a 400 */
  maxDepth?: number;
  /** when set, errors read like upstream's `<Kind> in version "<v>" cannot be handled as a <Kind>: ...` */
  kind?: string;
  version?: string;
  /**
   * The value is the caller's own (freshly parsed): maps of scalars are kept, not copied.
   * Off for values that may share members with stored objects (patch results).
   */
  reuseInput?: boolean;
}

export interface DecodeResult {
  object: KubeObject;
  /**
   * paths of members the schema does not know, e.g. `spec.template.spec.containers[0].bogus`;
   * dropped from object; the first MAX_STRICT_ERRORS only
   */
  unknownFields: string[];
}

type Json = unknown;

interface DecodeContext {
  schemas: SchemaSet;
  unknown: string[];
  maxDepth: number;
  reuseInput: boolean;
}

class TypeMismatch extends Error {}

function jsonTypeOf(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'number' : `number ${String(v)}`;
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** The Go type name as encoding/json prints it, e.g. `map[string]string`, `v1.ObjectMeta`, `int32`. */
const goTypeNames = new WeakMap<FieldSchema, [string, string]>();

function goTypeName(field: FieldSchema, element: boolean): string {
  let names = goTypeNames.get(field);
  if (!names) {
    names = [spellGoType(field, false), spellGoType(field, true)];
    goTypeNames.set(field, names);
  }
  return names[element ? 1 : 0];
}

function spellGoType(field: FieldSchema, element: boolean): string {
  let t = field.goType ?? (field.kind === 'message' ? shortName(field.type) : field.type);
  if (element) t = t.replace(/^\*?\[\]/, '').replace(/^map\[[^\]]*\]/, '');
  t = t.replace(/^\*/, '').replace(/^\[\]\*/, '[]');
  t = t.replace(/\bmetav1\./g, 'v1.');
  return t;
}

/** A position in the input, built as a chain so paths are only spelled out for errors and unknown fields. */
class Where {
  constructor(
    readonly parent: Where | undefined,
    readonly segment: string,
    readonly isIndex: boolean,
    /** Go struct holding the current field */
    readonly struct: string,
  ) {}

  /** path with indices, for unknown fields */
  get path(): string {
    if (!this.parent) return this.segment;
    const head = this.parent.path;
    if (this.isIndex) return `${head}[${this.segment}]`;
    return head ? `${head}.${this.segment}` : this.segment;
  }

  /** dotted path without indices, as in Go's UnmarshalTypeError */
  get goPath(): string {
    if (!this.parent) return this.segment;
    const head = this.parent.goPath;
    if (this.isIndex) return head;
    return head ? `${head}.${this.segment}` : this.segment;
  }
}

function child(where: Where, name: string, struct: string = where.struct): Where {
  return new Where(where, name, false, struct);
}

function indexed(where: Where, index: number | string): Where {
  return new Where(where, String(index), true, where.struct);
}

function mismatch(value: Json, where: Where, goType: string, detail?: string): never {
  const target = where.goPath ? `Go struct field ${where.struct}.${where.goPath}` : 'Go value';
  const base = `json: cannot unmarshal ${jsonTypeOf(value)} into ${target} of type ${goType}`;
  throw new TypeMismatch(detail ? `${base}: ${detail}` : base);
}

function tooDeep(): never {
  throw new TypeMismatch('json: exceeded max depth');
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  sfixed32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
  int64: [-9223372036854775808, 9223372036854775807],
  sint64: [-9223372036854775808, 9223372036854775807],
  sfixed64: [-9223372036854775808, 9223372036854775807],
  uint64: [0, 18446744073709551615],
  fixed64: [0, 18446744073709551615],
};

function decodeScalar(type: string, value: Json, where: Where, goType: string): Json {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') mismatch(value, where, goType);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') mismatch(value, where, goType);
      return value;
    case 'bytes':
      if (typeof value !== 'string') mismatch(value, where, goType);
      if (!isValidBase64(value)) mismatch(value, where, goType, 'illegal base64 data');
      return value;
    case 'double':
    case 'float':
      if (typeof value !== 'number') mismatch(value, where, goType);
      return value;
    default: {
      const range = INT_RANGES[type];
      if (typeof value !== 'number' || !Number.isInteger(value) || !range || value < range[0] || value > range[1]) {
        mismatch(value, where, goType);
      }
      return value;
    }
  }
}

function decodeCustom(
  ctx: DecodeContext,
  schema: MessageSchema,
  value: Json,
  where: Where,
  goType: string,
  depth: number,
): Json {
  switch (schema.customJson) {
    case 'Time':
    case 'MicroTime': {
      if (typeof value !== 'string') mismatch(value, where, goType);
      const instant = parseRfc3339(value);
      if (!instant) mismatch(value, where, goType, `parsing time ${JSON.stringify(value)} as RFC 3339`);
      if (isZeroInstant(instant)) return undefined;
      return schema.customJson === 'Time' ? formatTime(instant) : formatMicroTime(instant);
    }
    case 'Duration': {
      if (typeof value !== 'string') mismatch(value, where, goType);
      const ns = parseGoDuration(value);
      if (ns === undefined) mismatch(value, where, goType, `time: invalid duration ${JSON.stringify(value)}`);
      return formatGoDuration(ns);
    }
    case 'Quantity': {
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) mismatch(value, where, goType);
        return String(value);
      }
      if (typeof value !== 'string') mismatch(value, where, goType);
      if (!isValidQuantity(value)) mismatch(value, where, goType, QUANTITY_ERROR);
      return value;
    }
    case 'IntOrString':
      if (typeof value === 'string') return value;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
        mismatch(value, where, 'int32');
      }
      return value;
    case 'RawJSON':
      checkDepth(value, depth, ctx.maxDepth);
      return value;
    case 'StringArray': {
      if (!Array.isArray(value)) mismatch(value, where, goType);
      for (const item of value) if (typeof item !== 'string') mismatch(item, where, 'string');
      return value;
    }
    case 'JSONSchemaPropsOrArray':
    case 'JSONSchemaPropsOrBool':
    case 'JSONSchemaPropsOrStringArray':
      return decodeSchemaUnion(ctx, schema, value, where, depth);
    default:
      return decodeStruct(ctx, schema.fullName, value, where, goType, depth, false);
  }
}

function schemaPropsName(union: MessageSchema): string {
  return union.fullName.replace(/JSONSchemaPropsOr\w+$/, 'JSONSchemaProps');
}

function decodeSchemaUnion(ctx: DecodeContext, union: MessageSchema, value: Json, where: Where, depth: number): Json {
  const props = schemaPropsName(union);
  const asProps = (v: Json, w: Where): Json => decodeStruct(ctx, props, v, w, 'v1.JSONSchemaProps', depth + 1, false);
  if (union.customJson === 'JSONSchemaPropsOrBool') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'object' && !Array.isArray(value)) return asProps(value, where);
    mismatch(value, where, 'v1.JSONSchemaPropsOrBool');
  }
  if (Array.isArray(value)) {
    if (union.customJson === 'JSONSchemaPropsOrStringArray') {
      for (const item of value) if (typeof item !== 'string') mismatch(item, where, 'string');
      return value;
    }
    return value.map((item, i) => asProps(item, indexed(where, i)));
  }
  if (typeof value === 'object' && value !== null) return asProps(value, where);
  mismatch(value, where, shortName(union.fullName));
}

function checkDepth(value: Json, depth: number, max: number): void {
  if (depth > max) tooDeep();
  if (Array.isArray(value)) for (const v of value) checkDepth(v, depth + 1, max);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) checkDepth(v, depth + 1, max);
}

function decodeFieldValue(ctx: DecodeContext, field: FieldSchema, value: Json, where: Where, depth: number): Json {
  if (depth > ctx.maxDepth) tooDeep();
  if (field.label === 'map') {
    if (typeof value !== 'object' || Array.isArray(value)) mismatch(value, where, goTypeName(field, false));
    const valueGoType = goTypeName(field, true);
    if (field.valueKind !== 'message') {
      // scalar values come out as they went in: check them, and keep the input object when the
      // caller owns it (a copy of a map of 200,000 keys costs more than the rest of a decode)
      const map = value as Record<string, Json>;
      const valueType = String(field.valueType);
      for (const k of ownKeys(map)) {
        const v = map[k];
        // the common string value is checked inline: a position is only built for an error
        if (valueType === 'string' && typeof v === 'string') continue;
        if (!(v === null && valueType === 'bytes')) decodeScalar(valueType, v, indexed(where, k), valueGoType);
      }
      if (ctx.reuseInput) return value;
      const copy: Record<string, unknown> = {};
      for (const k of ownKeys(map)) setMember(copy, k, map[k]);
      return copy;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, Json>)) {
      const w = indexed(where, k);
      const decoded = decodeMessageValue(ctx, String(field.valueType), v, w, valueGoType, depth + 1);
      setMember(out, k, decoded === undefined ? null : decoded);
    }
    return out;
  }
  if (field.label === 'repeated') {
    if (!Array.isArray(value)) mismatch(value, where, goTypeName(field, false));
    const elemType = goTypeName(field, true);
    return value.map((v, i) => {
      const w = indexed(where, i);
      if (field.kind === 'message') {
        const decoded = decodeMessageValue(ctx, field.type, v, w, elemType, depth + 1);
        return decoded === undefined ? null : decoded;
      }
      return decodeScalar(field.type, v, w, elemType);
    });
  }
  if (field.kind === 'message')
    return decodeMessageValue(ctx, field.type, value, where, goTypeName(field, false), depth);
  return decodeScalar(field.type, value, where, goTypeName(field, false));
}

function decodeMessageValue(
  ctx: DecodeContext,
  fullName: string,
  value: Json,
  where: Where,
  goType: string,
  depth: number,
): Json {
  if (value === null) return undefined;
  const schema = ctx.schemas.message(fullName);
  if (schema.customJson) return decodeCustom(ctx, schema, value, where, goType, depth);
  return decodeStruct(ctx, fullName, value, where, goType, depth, false);
}

function decodeStruct(
  ctx: DecodeContext,
  fullName: string,
  value: Json,
  where: Where,
  goType: string,
  depth: number,
  root: boolean,
): Record<string, unknown> {
  if (depth > ctx.maxDepth) tooDeep();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) mismatch(value, where, goType);
  const tables = tablesFor(ctx.schemas, fullName);
  const struct = shortName(fullName);
  const decoded = new Map<string, unknown>();
  // a custom resource whose schema preserves unknown fields at its root keeps them as they came
  const preserved =
    ctx.schemas.message(fullName).markers.preserveUnknownFields === true ? new Map<string, unknown>() : undefined;
  let typeMeta: { kind?: unknown; apiVersion?: unknown } | undefined;
  for (const [key, v] of Object.entries(value as Record<string, Json>)) {
    const member = tables.byJsonName.get(key);
    if (!member && preserved && key !== 'apiVersion' && key !== 'kind') {
      preserved.set(key, ctx.reuseInput ? v : (JSON.parse(JSON.stringify(v)) as unknown));
      continue;
    }
    if (!member) {
      if ((key === 'apiVersion' || key === 'kind') && (root || tables.acceptsTypeMeta)) {
        if (v !== null && typeof v !== 'string') mismatch(v, child(where, key, 'TypeMeta'), 'string');
        typeMeta ??= {};
        if (typeof v === 'string' && v !== '') typeMeta[key] = v;
        continue;
      }
      // upstream's decoder keeps at most MAX_STRICT_ERRORS; spelling out more paths is waste
      if (ctx.unknown.length < MAX_STRICT_ERRORS) ctx.unknown.push(child(where, key).path);
      continue;
    }
    if (v === null) continue;
    const w = child(where, key, struct);
    const d = decodeFieldValue(ctx, member.field, v, w, depth + 1);
    if (d !== undefined) decoded.set(key, d);
  }
  const out: Record<string, unknown> = {};
  if (typeMeta?.kind !== undefined) out.kind = typeMeta.kind;
  if (typeMeta?.apiVersion !== undefined) out.apiVersion = typeMeta.apiVersion;
  for (const m of tables.members) {
    if (decoded.has(m.jsonName)) out[m.jsonName] = decoded.get(m.jsonName);
  }
  if (preserved) for (const [k, v] of preserved) out[k] = v;
  return out;
}

function asStatusError(err: unknown, opts: DecodeOptions | undefined): StatusError {
  if (err instanceof StatusError) return err;
  let message: string;
  if (err instanceof TypeMismatch) message = err.message;
  else if (err instanceof RangeError) message = 'json: exceeded max depth';
  else message = `json: cannot decode object: ${err instanceof Error ? err.message : String(err)}`;
  if (opts?.kind) {
    message = `${opts.kind} in version "${opts.version ?? ''}" cannot be handled as a ${opts.kind}: ${message}`;
  }
  return new StatusError(400, 'BadRequest', message);
}

/**
 * Validates a parsed JSON body against a message and returns it in schema member order.
 * Type errors throw a 400 StatusError naming the field; unknown members are reported and dropped.
 */
export function decodeObject(
  schemas: SchemaSet,
  messageFullName: string,
  value: unknown,
  opts?: DecodeOptions,
): DecodeResult {
  const ctx: DecodeContext = {
    schemas,
    unknown: [],
    maxDepth: opts?.maxDepth ?? DEFAULT_MAX_DEPTH,
    reuseInput: opts?.reuseInput === true,
  };
  try {
    const goType = `v1.${shortName(messageFullName)}`;
    const where = new Where(undefined, '', false, shortName(messageFullName));
    const object = decodeStruct(ctx, messageFullName, value, where, goType, 0, true) as KubeObject;
    return { object, unknownFields: ctx.unknown };
  } catch (err) {
    throw asStatusError(err, opts);
  }
}

/** Parses a JSON request body (bytes or text) and decodes it; malformed JSON is a 400. */
export function decodeJsonBody(
  schemas: SchemaSet,
  messageFullName: string,
  body: string | Uint8Array,
  opts?: DecodeOptions,
): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new StatusError(400, 'BadRequest', `json: ${err instanceof Error ? err.message : 'invalid JSON'}`);
  }
  return decodeObject(schemas, messageFullName, parsed, opts);
}

// ---- canonical encoding -------------------------------------------------------------

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v === '';
  if (typeof v === 'number') return v === 0;
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    // stops at the first key: listing every key of a big map only to count them is waste
    for (const k in v) if (Object.hasOwn(v, k)) return false;
    return true;
  }
  return false;
}

function scalarZero(type: string): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

/** What Go's MarshalJSON writes for the zero value of a custom-form struct. */
function customZero(schema: MessageSchema): unknown {
  switch (schema.customJson) {
    case 'Duration':
      return '0s';
    case 'Quantity':
      return '0';
    case 'IntOrString':
      return 0;
    case 'JSONSchemaPropsOrBool':
      return false;
    default:
      return null;
  }
}

function normalizeCustom(schemas: SchemaSet, schema: MessageSchema, v: unknown, depth: number): unknown {
  switch (schema.customJson) {
    case 'JSONSchemaPropsOrArray':
    case 'JSONSchemaPropsOrBool':
    case 'JSONSchemaPropsOrStringArray': {
      const props = schemaPropsName(schema);
      if (Array.isArray(v)) {
        return schema.customJson === 'JSONSchemaPropsOrArray'
          ? v.map((item) => normalizeStruct(schemas, props, item, depth + 1))
          : v;
      }
      if (typeof v === 'object' && v !== null) return normalizeStruct(schemas, props, v, depth + 1);
      return v;
    }
    case 'Quantity':
      return typeof v === 'number' ? String(v) : v;
    default:
      return v;
  }
}

function normalizeMessage(schemas: SchemaSet, fullName: string, v: unknown, depth: number): unknown {
  const schema = schemas.message(fullName);
  if (schema.customJson)
    return v === undefined || v === null ? customZero(schema) : normalizeCustom(schemas, schema, v, depth);
  return normalizeStruct(schemas, fullName, v, depth);
}

function normalizeField(schemas: SchemaSet, field: FieldSchema, v: unknown, depth: number): unknown {
  if (field.label === 'map') {
    if (typeof v !== 'object' || v === null) return null;
    const src = v as Record<string, unknown>;
    const keys = Object.keys(src);
    // a map of scalars already enumerating in Go order is its own canonical form: no copy
    if (field.valueKind !== 'message' && keysInGoOrder(keys)) return src;
    const out: Record<string, unknown> = {};
    for (const k of sortedGoKeys(keys)) {
      const item = src[k];
      setMember(
        out,
        k,
        field.valueKind === 'message' ? normalizeMessage(schemas, String(field.valueType), item, depth + 1) : item,
      );
    }
    return out;
  }
  if (field.label === 'repeated') {
    if (!Array.isArray(v)) return null;
    return field.kind === 'message' ? v.map((item) => normalizeMessage(schemas, field.type, item, depth + 1)) : v;
  }
  if (field.kind === 'message') return normalizeMessage(schemas, field.type, v, depth);
  return v;
}

function memberValue(schemas: SchemaSet, m: JsonMember, v: unknown, depth: number): unknown {
  const f = m.field;
  const absent = v === undefined || v === null;
  if (f.label !== 'optional') {
    if (f.omitempty && isEmptyValue(v)) return undefined;
    return absent ? null : normalizeField(schemas, f, v, depth);
  }
  if (f.kind === 'message') {
    const pointer = f.goType !== undefined && f.goType.startsWith('*');
    if (pointer) {
      if (absent) return f.omitempty ? undefined : null;
      return normalizeField(schemas, f, v, depth);
    }
    // Go never omits a struct, omitempty or not
    return normalizeField(schemas, f, absent ? undefined : v, depth);
  }
  const slice = f.goType !== undefined && f.goType.startsWith('[]');
  if (absent) return f.omitempty ? undefined : f.pointer ? null : scalarZero(f.type);
  if (f.pointer && !slice) return v;
  if (f.omitempty && isEmptyValue(v)) return undefined;
  return v;
}

function normalizeStruct(schemas: SchemaSet, fullName: string, v: unknown, depth: number): Record<string, unknown> {
  if (depth > 10000) throw new StatusError(500, 'InternalError', 'object nesting too deep to encode');
  const src = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const tables = tablesFor(schemas, fullName);
  const out: Record<string, unknown> = {};
  if (depth === 0 || tables.acceptsTypeMeta) {
    if (typeof src.kind === 'string' && src.kind !== '') out.kind = src.kind;
    if (typeof src.apiVersion === 'string' && src.apiVersion !== '') out.apiVersion = src.apiVersion;
  }
  for (const m of tables.members) {
    const value = memberValue(schemas, m, src[m.jsonName], depth + 1);
    if (value !== undefined) out[m.jsonName] = value;
  }
  return out;
}

/**
 * The canonical JSON shape of an object, as Go's encoding/json writes the struct: members in
 * struct order, omitempty applied, non-pointer structs always present (a zero Time as null).
 */
export function normalizeObject(schemas: SchemaSet, messageFullName: string, obj: KubeObject): KubeObject {
  return normalizeStruct(schemas, messageFullName, obj, 0) as KubeObject;
}

export function encodeJson(schemas: SchemaSet, messageFullName: string, obj: KubeObject): string {
  return JSON.stringify(normalizeObject(schemas, messageFullName, obj));
}
