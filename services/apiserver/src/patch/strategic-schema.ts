/**
 * What strategic merge patch needs to know about a JSON member, read from the SchemaSet:
 * the shape of its value and the patch markers (patchStrategy, patchMergeKey) upstream
 * keeps in Go struct tags.
 */
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';

export type Shape =
  | { kind: 'message'; message: MessageSchema }
  | { kind: 'map'; value: Shape }
  | { kind: 'scalar' }
  /** a member the schema does not describe, or free-form JSON (RawExtension, JSON, FieldsV1): merge-patch semantics */
  | { kind: 'free' };

export type ListStrategy = '' | 'merge' | 'replace';

export interface FieldMeta {
  /** the member's value; for a list, one element */
  shape: Shape;
  list: boolean;
  strategy: ListStrategy;
  mergeKey?: string;
  known: boolean;
}

const SCALAR: Shape = { kind: 'scalar' };
const FREE: Shape = { kind: 'free' };
const UNKNOWN_MEMBER: FieldMeta = { shape: FREE, list: false, strategy: '', known: false };

export function messageShape(schemas: SchemaSet, fullName: string): Shape {
  if (!schemas.has(fullName)) return FREE;
  const message = schemas.message(fullName);
  // custom JSON forms are strings, numbers or free-form JSON, never an object of the message's fields
  return message.customJson ? FREE : { kind: 'message', message };
}

const membersCache = new WeakMap<MessageSchema, Map<string, FieldSchema>>();

/** JSON members of a message, inline (embedded) messages flattened into their parent as encoding/json does. */
function membersOf(schemas: SchemaSet, message: MessageSchema): Map<string, FieldSchema> {
  let members = membersCache.get(message);
  if (members) return members;
  members = new Map();
  for (const field of message.fields) {
    if (field.inline && field.kind === 'message' && schemas.has(field.type)) {
      for (const [name, inner] of membersOf(schemas, schemas.message(field.type))) {
        if (!members.has(name)) members.set(name, inner);
      }
    } else if (field.jsonName !== '' && field.jsonName !== '-') {
      members.set(field.jsonName, field);
    }
  }
  membersCache.set(message, members);
  return members;
}

function markerText(value: string | boolean | string[] | undefined): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(',');
  return '';
}

/** Upstream allows one strategy, optionally paired with retainKeys (which only matters to the patch's own $retainKeys). */
function listStrategy(field: FieldSchema): ListStrategy {
  const parts = markerText(field.markers.patchStrategy)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'retainKeys');
  if (parts.includes('merge')) return 'merge';
  if (parts.includes('replace')) return 'replace';
  return '';
}

function fieldMetaOf(schemas: SchemaSet, field: FieldSchema): FieldMeta {
  const strategy = listStrategy(field);
  const mergeKey = markerText(field.markers.patchMergeKey) || undefined;
  if (field.kind === 'map') {
    const value = field.valueKind === 'message' && field.valueType ? messageShape(schemas, field.valueType) : SCALAR;
    return { shape: { kind: 'map', value }, list: false, strategy, known: true };
  }
  const shape = field.kind === 'message' ? messageShape(schemas, field.type) : SCALAR;
  return { shape, list: field.label === 'repeated', strategy, mergeKey, known: true };
}

export function memberMeta(schemas: SchemaSet, shape: Shape, member: string): FieldMeta {
  if (shape.kind === 'map') return { shape: shape.value, list: false, strategy: '', known: true };
  if (shape.kind !== 'message') return UNKNOWN_MEMBER;
  const field = membersOf(schemas, shape.message).get(member);
  return field ? fieldMetaOf(schemas, field) : UNKNOWN_MEMBER;
}
