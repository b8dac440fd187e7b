import { isPlainObject } from '../../api/object';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

const TYPE_META = ['apiVersion', 'kind', 'metadata'];

function itemsSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

function mapValueSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

/**
 * Upstream's pruning: fields a structural schema does not specify are dropped, except
 * under x-kubernetes-preserve-unknown-fields (or additionalProperties); an embedded
 * resource and the root keep their type meta and metadata. Returns the dropped paths.
 */
export function prune(value: unknown, schema: JSONSchemaProps | undefined, path = '', root = true): string[] {
  if (!schema) return [];
  const dropped: string[] = [];
  if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    value.forEach((v, i) => dropped.push(...prune(v, items, `${path}[${i}]`, false)));
    return dropped;
  }
  if (!isPlainObject(value)) return dropped;
  const keepMeta = root || schema['x-kubernetes-embedded-resource'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const props = schema.properties ?? {};
  const mapValues = mapValueSchema(schema);
  const allowsAny = schema.additionalProperties === true;
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (keepMeta && TYPE_META.includes(key) && !(key in props)) continue;
    const sub = props[key] ?? mapValues;
    if (sub) dropped.push(...prune(value[key], sub, child, false));
    else if (!preserve && !allowsAny) {
      delete value[key];
      dropped.push(child);
    }
  }
  return dropped;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Upstream's structural defaulting: a missing property with a default gets it, at every depth. */
export function applySchemaDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    for (const v of value) applySchemaDefaults(v, items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = clone(sub.default);
    else if (value[key] === null && sub.default !== undefined && !sub.nullable) value[key] = clone(sub.default);
    if (value[key] !== undefined) applySchemaDefaults(value[key], sub);
  }
  const mapValues = mapValueSchema(schema);
  if (mapValues) for (const key of Object.keys(value)) applySchemaDefaults(value[key], mapValues);
}

/** Whether any node of the schema declares a default (reads then need defaulting). */
export function schemaHasDefaults(schema: JSONSchemaProps | undefined): boolean {
  if (!schema) return false;
  if (schema.default !== undefined) return true;
  const items = itemsSchema(schema);
  const values = mapValueSchema(schema);
  return (
    Object.values(schema.properties ?? {}).some(schemaHasDefaults) ||
    schemaHasDefaults(items) ||
    schemaHasDefaults(values)
  );
}
