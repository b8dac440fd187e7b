import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';

/** One JSON member of a message after inline members are merged into their parent. */
export interface JsonMember {
  jsonName: string;
  field: FieldSchema;
}

/** Per-message lookup tables, computed once per SchemaSet and message. */
export interface MessageTables {
  schema: MessageSchema;
  /** JSON members in Go struct order, inline members expanded in place */
  members: JsonMember[];
  byJsonName: Map<string, JsonMember>;
  /** fields in ascending field-number order (protobuf write order) */
  byNumberOrder: FieldSchema[];
  byNumber: Map<number, FieldSchema>;
  /** Go embeds TypeMeta in the structs of top-level kinds; apiVersion/kind are accepted there */
  acceptsTypeMeta: boolean;
}

const OBJECT_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta';

const perSet = new WeakMap<SchemaSet, Map<string, MessageTables>>();

function flattenMembers(schemas: SchemaSet, schema: MessageSchema, out: JsonMember[], seen: Set<string>): void {
  for (const field of schema.fields) {
    if (field.inline && field.kind === 'message') {
      flattenMembers(schemas, schemas.message(field.type), out, seen);
      continue;
    }
    if (field.jsonName === '-' || field.jsonName === '') continue;
    // Go gives the shallower of two same-named members precedence
    if (seen.has(field.jsonName)) continue;
    seen.add(field.jsonName);
    out.push({ jsonName: field.jsonName, field });
  }
}

function looksLikeKind(schema: MessageSchema): boolean {
  const short = schema.fullName.slice(schema.fullName.lastIndexOf('.') + 1);
  if (/(Spec|Template)$/.test(short)) return false;
  return schema.fields.some((f) => f.jsonName === 'metadata' && (f.type === OBJECT_META || f.type === LIST_META));
}

export function tablesFor(schemas: SchemaSet, fullName: string): MessageTables {
  let byName = perSet.get(schemas);
  if (!byName) {
    byName = new Map();
    perSet.set(schemas, byName);
  }
  const hit = byName.get(fullName);
  if (hit) return hit;
  const schema = schemas.message(fullName);
  const members: JsonMember[] = [];
  flattenMembers(schemas, schema, members, new Set());
  const byNumberOrder = [...schema.fields].sort((a, b) => a.number - b.number);
  const tables: MessageTables = {
    schema,
    members,
    byJsonName: new Map(members.map((m) => [m.jsonName, m])),
    byNumberOrder,
    byNumber: new Map(byNumberOrder.map((f) => [f.number, f])),
    acceptsTypeMeta: looksLikeKind(schema),
  };
  byName.set(fullName, tables);
  return tables;
}

/** Assigns without ever touching a prototype, whatever the key (`__proto__` from hostile input). */
export function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Go's sort.Strings order (bytewise UTF-8), which differs from UTF-16 order only around surrogates. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : 1;
}

const BEYOND_UTF16_ORDER = /[\ud800-\uffff]/;

/**
 * A map's keys in Go's sort.Strings order. The order check runs once per key, not once per
 * comparison: a map of 200,000 keys must not cost millions of regex tests per encode.
 */
export function sortedGoKeys(keys: string[]): string[] {
  let plain = true;
  for (const k of keys) {
    if (BEYOND_UTF16_ORDER.test(k)) {
      plain = false;
      break;
    }
  }
  if (plain) return keys.sort();
  const withBytes = keys.map((k) => ({ k, b: Buffer.from(k) }));
  withBytes.sort((x, y) => Buffer.compare(x.b, y.b));
  return withBytes.map((x) => x.k);
}

/** True when k is an array index, which JavaScript enumerates before every other key whatever the insertion order. */
function isArrayIndex(k: string): boolean {
  const n = k.length;
  if (n === 0 || n > 10) return false;
  const c0 = k.charCodeAt(0);
  if (c0 === 48) return n === 1;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(k) < 4294967295;
}

/**
 * Whether rebuilding the object with its keys in Go order would enumerate differently: when
 * not, a map can be kept as it is instead of copied key by key. Array-index keys always come
 * first in JavaScript, so only the order of the other keys matters.
 */
export function keysInGoOrder(keys: readonly string[]): boolean {
  let prev: string | undefined;
  for (const k of keys) {
    if (isArrayIndex(k)) continue;
    if (prev !== undefined && compareGoStrings(prev, k) > 0) return false;
    prev = k;
  }
  return true;
}
