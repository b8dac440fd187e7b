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
