import type { FieldError } from '../../api/errors';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { child, forbidden, index, invalid, key, required } from '../validation/field';

/**
 * Upstream's structural rules for value validation (allOf, anyOf, oneOf, not): a
 * junctor may only restrict values, never specify them (no type, no
 * additionalProperties, no defaults, no x-kubernetes-* extensions, no metadata), and
 * every field or items it mentions must also be specified outside of it.
 */

const JUNCTORS = ['anyOf', 'allOf', 'oneOf'] as const;

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

/** `anyOf: [{type: integer}, {type: string}]`, the one junctor x-kubernetes-int-or-string may spell out. */
function isIntOrStringAnyOf(anyOf: JSONSchemaProps[] | undefined): boolean {
  if (!anyOf || anyOf.length !== 2) return false;
  const only = (s: JSONSchemaProps, type: string): boolean => s.type === type && Object.keys(s).length === 1;
  return only(anyOf[0], 'integer') && only(anyOf[1], 'string');
}

/** What a schema inside a junctor may not set, with upstream's detail for each. */
function forbiddenInNested(v: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const no = (name: string, detail: string): void => {
    errs.push(forbidden(child(path, name), detail));
  };
  if (v.type) no('type', 'must be empty to be structural');
  if (v.additionalProperties !== undefined) no('additionalProperties', 'must be undefined to be structural');
  if (v.default !== undefined) no('default', 'must be undefined to be structural');
  if (v.title) no('title', 'must be empty to be structural');
  if (v.description) no('description', 'must be empty to be structural');
  if (v.nullable) no('nullable', 'must be false to be structural');
  if (v.externalDocs !== undefined) no('externalDocs', 'must be undefined to be structural');
  if (v['x-kubernetes-preserve-unknown-fields'])
    no('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (v['x-kubernetes-embedded-resource']) no('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (v['x-kubernetes-int-or-string']) no('x-kubernetes-int-or-string', 'must be false to be structural');
  if ((v['x-kubernetes-list-map-keys'] ?? []).length > 0)
    no('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (v['x-kubernetes-list-type'] !== undefined) no('x-kubernetes-list-type', 'must be undefined to be structural');
  if (v['x-kubernetes-map-type'] !== undefined) no('x-kubernetes-map-type', 'must be undefined to be structural');
  if ((v['x-kubernetes-validations'] ?? []).length > 0)
    no('x-kubernetes-validations', 'must be empty to be structural');
  if (v.properties && 'metadata' in v.properties) {
    errs.push(forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  }
  return errs;
}

/** A schema inside a junctor, and everything below it. */
function validateNested(v: JSONSchemaProps | undefined, path: string, skipAnyOf: boolean): FieldError[] {
  if (!v) return [];
  const errs = validateJunctorsOf(v, path, skipAnyOf, false);
  errs.push(...validateNested(itemsOf(v), child(path, 'items'), false));
  for (const [name, prop] of Object.entries(v.properties ?? {})) {
    errs.push(...validateNested(prop, key(child(path, 'properties'), name), false));
  }
  errs.push(...forbiddenInNested(v, path));
  return errs;
}

/** The junctors of one node; the int-or-string spelling is allowed where upstream allows it. */
function validateJunctorsOf(
  s: JSONSchemaProps,
  path: string,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const junctor of JUNCTORS) {
    if (junctor === 'anyOf' && skipAnyOf) continue;
    (s[junctor] ?? []).forEach((v, i) => {
      const skip = junctor === 'allOf' && skipFirstAllOfAnyOf && i === 0;
      errs.push(...validateNested(v, index(child(path, junctor), i), skip));
    });
  }
  errs.push(...validateNested(s.not, child(path, 'not'), false));
  return errs;
}

/** Every field and items a junctor mentions exists in the structural schema `s` beside it. */
function completeness(v: JSONSchemaProps, s: JSONSchemaProps, sPath: string, vPath: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const junctor of JUNCTORS) {
    (v[junctor] ?? []).forEach((j, i) =>
      errs.push(...nestedCompleteness(j, s, sPath, index(child(vPath, junctor), i))),
    );
  }
  if (v.not) errs.push(...nestedCompleteness(v.not, s, sPath, child(vPath, 'not')));
  return errs;
}

function nestedCompleteness(v: JSONSchemaProps, s: JSONSchemaProps, sPath: string, vPath: string): FieldError[] {
  const errs = completeness(v, s, sPath, vPath);
  const vItems = itemsOf(v);
  if (vItems) {
    const sItems = itemsOf(s);
    const sAt = child(sPath, 'items');
    const vAt = child(vPath, 'items');
    if (!sItems) errs.push(required(sAt, `because it is defined in ${vAt}`));
    else errs.push(...nestedCompleteness(vItems, sItems, sAt, vAt));
  }
  for (const [name, vProp] of Object.entries(v.properties ?? {})) {
    const sAt = key(child(sPath, 'properties'), name);
    const vAt = key(child(vPath, 'properties'), name);
    const sProp = s.properties?.[name];
    if (!sProp) errs.push(required(sAt, `because it is defined in ${vAt}`));
    else errs.push(...nestedCompleteness(vProp, sProp, sAt, vAt));
  }
  return errs;
}

type Level = 'root' | 'array items' | 'object fields';

/**
 * The structural invariants of one node: a type wherever a field or items are specified
 * (unless int-or-string or preserving unknown fields), items for arrays, embedded
 * resources as objects, no additionalProperties at the root.
 */
function invariants(s: JSONSchemaProps, path: string, level: Level): FieldError[] {
  const errs: FieldError[] = [];
  const typePath = child(path, 'type');
  if (s.type === 'array' && !itemsOf(s)) errs.push(required(child(path, 'items'), 'must be specified'));
  if (s.additionalProperties !== undefined && level === 'root') {
    errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) {
    const at = child(path, 'x-kubernetes-preserve-unknown-fields');
    errs.push(invalid(at, true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  if (intOrString && embedded) {
    const at = child(path, 'x-kubernetes-embedded-resource');
    errs.push(invalid(at, true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  if (embedded && s.type !== 'object') {
    const detail = 'must be object if x-kubernetes-embedded-resource is true';
    errs.push(s.type ? invalid(typePath, s.type, detail) : required(typePath, detail));
  } else if (!s.type && !intOrString && !preserve && level !== 'root') {
    errs.push(required(typePath, `must not be empty for specified ${level}`));
  }
  if (embedded && s.additionalProperties !== undefined) {
    const at = child(path, 'additionalProperties');
    errs.push(forbidden(at, 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
    const detail =
      'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields';
    errs.push(required(child(path, 'properties'), detail));
  }
  return errs;
}

function walk(s: JSONSchemaProps, path: string, level: Level = 'root'): FieldError[] {
  const errs = invariants(s, path, level);
  const items = itemsOf(s);
  if (items) errs.push(...walk(items, child(path, 'items'), 'array items'));
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    errs.push(...walk(prop, key(child(path, 'properties'), name), 'object fields'));
  }
  if (typeof s.additionalProperties === 'object') {
    errs.push(...walk(s.additionalProperties, child(path, 'additionalProperties'), 'object fields'));
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = isIntOrStringAnyOf(s.allOf?.[0]?.anyOf);
  errs.push(...validateJunctorsOf(s, path, skipAnyOf, skipFirstAllOfAnyOf));
  errs.push(...completeness(s, s, path, path));
  return errs;
}

/**
 * The structural errors of a version's schema (types and items where values are
 * specified, and the junctor rules), sorted by their text as upstream sorts them.
 */
export function validateStructure(schema: JSONSchemaProps, path: string): FieldError[] {
  const text = (e: FieldError): string => `${e.field}: ${e.message}`;
  return walk(schema, path).sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}
