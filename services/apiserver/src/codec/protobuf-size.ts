/**
 * A lower bound of an object's protobuf encoding that needs no encoding: the storage limit refuses
 * a 200,000-key ConfigMap whatever its exact size, and counting its map entries is a fraction of
 * sorting and writing them. Only string maps are counted (they are what makes objects big); every
 * other field counts as nothing, which keeps the figure a bound without following the encoder.
 */
import { ownKeys } from '../api/key-snapshots';
import type { KubeObject } from '../api/object';
import { messageForApiVersionKind } from '../schema/kinds';
import type { SchemaSet } from '../schema/model';
import { asObject, type Obj } from './protobuf-wire';
import { tablesFor } from './tables';

function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 128)) size++;
  return size;
}

/**
 * An entry of a map<string, string> takes at least: its field tag and length (a byte each), the
 * key's and value's tags, lengths and UTF-8 bytes, which are at least as many as UTF-16 units.
 * The keys alone are counted first: a map of many keys is over the limit without its values
 * being looked up.
 */
function stringMapBound(map: Obj, limit: number, total: number): number {
  const keys = ownKeys(map);
  for (const k of keys) {
    total += 5 + varintSize(k.length) + k.length;
    if (total > limit) return total;
  }
  for (const k of keys) {
    const item = map[k];
    const vl = typeof item === 'string' ? item.length : 0;
    total += varintSize(vl) - 1 + vl;
    if (total > limit) break;
  }
  return total;
}

function messageBound(schemas: SchemaSet, fullName: string, v: unknown, limit: number, total: number): number {
  const tables = tablesFor(schemas, fullName);
  if (tables.schema.customJson) return total;
  const obj = asObject(v);
  for (const f of tables.byNumberOrder) {
    if (total > limit) break;
    if (f.inline && f.kind === 'message') {
      total = messageBound(schemas, f.type, obj, limit, total);
      continue;
    }
    const value = f.jsonName === '-' || f.jsonName === '' ? undefined : obj[f.jsonName];
    if (typeof value !== 'object' || value === null) continue;
    if (f.label === 'map') {
      const stringMap = (f.keyType ?? 'string') === 'string' && f.valueKind !== 'message' && f.valueType === 'string';
      if (stringMap) total = stringMapBound(value as Obj, limit, total);
    } else if (f.kind === 'message' && f.label === 'repeated') {
      if (Array.isArray(value)) for (const item of value) total = messageBound(schemas, f.type, item, limit, total);
    } else if (f.kind === 'message') {
      total = messageBound(schemas, f.type, value, limit, total);
    }
  }
  return total;
}

/**
 * True when the object's protobuf encoding (envelope included) is certainly larger than `limit`
 * bytes; false when it may not be. Counting stops once the bound passes the limit.
 */
export function protobufSizeExceeds(schemas: SchemaSet, obj: KubeObject, limit: number): boolean {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const fullName = messageForApiVersionKind(schemas, apiVersion, kind);
  return fullName !== undefined && messageBound(schemas, fullName, obj, limit, 0) > limit;
}
