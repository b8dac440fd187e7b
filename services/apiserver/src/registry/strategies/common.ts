import type { FieldError } from '../../api/errors';
import { isPlainObject, type KubeObject, type ObjectMeta } from '../../api/object';
import type { Strategy } from '../strategy';
import { validateObjectMetaCreate, validateObjectMetaUpdate } from '../validation/objectmeta';
import type { NameValidator } from '../validation/names';

/**
 * A Strategy plus upstream's Canonicalize hook, which runs after validation once
 * the final name (from generateName) is known.
 */
export interface KindStrategy<T extends object = KubeObject> extends Strategy<T> {
  canonicalize?(obj: T): void;
}

/**
 * The store's view of a kind's typed strategy, the one place the registry takes
 * a KubeObject for a T. Sound because the store hands a strategy only objects
 * the codec decoded against the kind's schema, their stored form, or the
 * server's own objects of that kind, and T is generated from the same schema.
 * The hooks keep reading values defensively (stringAt, objectAt): optional
 * fields in T do not prove a field is present.
 */
export function forStore<T extends object>(typed: KindStrategy<T>): KindStrategy {
  return typed as unknown as KindStrategy;
}

/** Anything with ObjectMeta: KubeObject and every generated kind type. */
export interface HasMeta {
  metadata?: ObjectMeta;
}

export type Obj = Record<string, unknown>;

export function metaOf(obj: HasMeta): ObjectMeta {
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as ObjectMeta;
}

/**
 * The object at obj[key], created empty when absent so defaulting can fill it.
 * Takes any object (a generated kind type or an Obj), hence Reflect.
 */
export function ensureObject(obj: object, key: string): Obj {
  const v: unknown = Reflect.get(obj, key);
  if (isPlainObject(v)) return v;
  const created: Obj = {};
  Reflect.set(obj, key, created);
  return created;
}

export function objectAt(obj: unknown, key: string): Obj | undefined {
  if (!isPlainObject(obj)) return undefined;
  const v = obj[key];
  return isPlainObject(v) ? v : undefined;
}

export function arrayAt(obj: unknown, key: string): unknown[] {
  if (!isPlainObject(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}

export function objectsAt(obj: unknown, key: string): Obj[] {
  return arrayAt(obj, key).filter(isPlainObject);
}

export function stringAt(obj: unknown, key: string): string {
  if (!isPlainObject(obj)) return '';
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

export function numberAt(obj: unknown, key: string): number | undefined {
  if (!isPlainObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'number' ? v : undefined;
}

export function stringMapAt(obj: unknown, key: string): Record<string, string> | undefined {
  const m = objectAt(obj, key);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

export function setDefault(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null || obj[key] === '') obj[key] = value;
}

export function deepClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Requests cannot change generation; only strategies that track spec changes bump it. */
export function keepOldGeneration(obj: HasMeta, old: HasMeta): void {
  const meta = metaOf(obj);
  const oldGen = metaOf(old).generation;
  if (oldGen === undefined) delete meta.generation;
  else meta.generation = oldGen;
}

/**
 * Upstream's generation rule on update: the stored generation, one more when what the kind
 * tracks (its spec, mostly) changed.
 */
export function nextGeneration(obj: HasMeta, old: HasMeta, changed: boolean): void {
  keepOldGeneration(obj, old);
  if (changed) metaOf(obj).generation = (metaOf(old).generation ?? 0) + 1;
}

export interface MetaRules {
  namespaced: boolean;
  nameValidator: NameValidator;
}

export function validateMetaCreate(obj: HasMeta, rules: MetaRules): FieldError[] {
  return validateObjectMetaCreate(obj.metadata, rules);
}

export function validateMetaUpdate(obj: HasMeta, old: HasMeta): FieldError[] {
  return validateObjectMetaUpdate(obj.metadata, old.metadata);
}
