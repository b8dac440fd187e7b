import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { duplicate, goQuote, GoValue, invalid, notSupported, required, tooLong, tooMany } from '../validation/field';
import { ratchetItem, unchanged } from './cr-correlate';
import { matchesFormat } from './cr-schema-formats';

/** The JSON type name kube-openapi reports for a value. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return 'object';
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeName(v);
  return got === want || (want === 'number' && got === 'integer');
}

function typeError(path: string, want: string, v: unknown): FieldError {
  const got = typeName(v);
  return {
    type: 'FieldValueTypeInvalid',
    field: path,
    message: `Invalid value: "${got}": ${path} in body must be of type ${want}: "${got}"`,
  };
}

/** An enum's allowed values as upstream lists them: strings as they are, the rest as JSON. */
function enumValues(values: unknown[]): string[] {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A regexp for an ECMA-262 pattern as upstream's (RE2) reads it; undefined when it does not compile. */
function patternOf(p: string): RegExp | undefined {
  try {
    return new RegExp(p, 'u');
  } catch {
    return undefined;
  }
}

function validateNumber(path: string, s: JSONSchemaProps, v: number, errs: FieldError[]): void {
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      const how = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      errs.push(invalid(path, v, `${path} in body should be ${how} ${s.minimum}`));
    }
  }
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      const how = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      errs.push(invalid(path, v, `${path} in body should be ${how} ${s.maximum}`));
    }
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) {
    errs.push(invalid(path, v, `${path} in body should be a multiple of ${s.multipleOf}`));
  }
}

function validateString(path: string, s: JSONSchemaProps, v: string, errs: FieldError[]): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) errs.push(tooLong(path, s.maxLength));
  if (s.minLength !== undefined && length < s.minLength) {
    errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  }
  if (s.pattern !== undefined && !patternOf(s.pattern)?.test(v)) {
    errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (s.format && !matchesFormat(s.format, v)) {
    errs.push(invalid(path, v, `${path} in body must be of type ${s.format}: ${goQuote(v)}`));
  }
}

/** Go's %#v of a list-map item's key: map[string]interface {}{"name":"a"}. */
function goKeyMap(keys: string[], item: Record<string, unknown>): GoValue {
  const parts = keys.map(
    (k) => `${goQuote(k)}:${typeof item[k] === 'string' ? goQuote(item[k] as string) : String(item[k])}`,
  );
  return new GoValue(`map[string]interface {}{${parts.join(', ')}}`);
}

/** Upstream's list-type checks: set items and map-list keys are unique. */
function validateListType(path: string, s: JSONSchemaProps, v: unknown[], errs: FieldError[]): void {
  const type = s['x-kubernetes-list-type'];
  if (type === 'set') {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const id = JSON.stringify(item);
      if (seen.has(id)) errs.push(duplicate(`${path}[${i}]`, item as string | number | boolean));
      seen.add(id);
    });
  } else if (type === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      const id = JSON.stringify(keys.map((k) => item[k]));
      if (seen.has(id)) errs.push(duplicate(`${path}[${i}]`, goKeyMap(keys, item)));
      seen.add(id);
    });
  }
}

/** An x-kubernetes-embedded-resource object names its kind: apiVersion and kind are required. */
function validateEmbedded(path: string, v: Record<string, unknown>, errs: FieldError[]): void {
  for (const k of ['apiVersion', 'kind']) {
    const at = `${path}.${k}`;
    if (!(k in v)) errs.push(required(at, 'must not be empty'));
    else if (typeof v[k] !== 'string') errs.push(invalid(at, JSON.stringify(v[k]), 'must be a string'));
    else if (v[k] === '') errs.push(invalid(at, '', 'must not be empty'));
  }
}

function validateArray(path: string, s: JSONSchemaProps, v: unknown[], old: unknown, errs: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(tooMany(path, v.length, s.maxItems));
  if (s.minItems !== undefined && v.length < s.minItems) {
    errs.push(invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
  }
  const items = Array.isArray(s.items) ? s.items[0] : s.items;
  v.forEach((item, i) => errs.push(...validateValue(`${path}[${i}]`, items, item, ratchetItem(s, item, i, old))));
  validateListType(path, s, v, errs);
}

function validateObject(
  path: string,
  s: JSONSchemaProps,
  v: Record<string, unknown>,
  old: unknown,
  errs: FieldError[],
): void {
  const keys = Object.keys(v);
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
    errs.push(tooMany(path, keys.length, s.maxProperties));
  }
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    errs.push(invalid(path, keys.length, `${path} in body should have at least ${s.minProperties} properties`));
  }
  const at = (k: string): string => (path ? `${path}.${k}` : k);
  for (const r of s.required ?? []) if (v[r] === undefined) errs.push(required(at(r)));
  const props = s.properties ?? {};
  const mapValues = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const k of keys) {
    const sub = props[k] ?? mapValues;
    if (sub) errs.push(...validateValue(at(k), sub, v[k], isPlainObject(old) ? old[k] : undefined));
  }
}

/** The errors of the junctors' schemas, whose error count decides which branch upstream reports. */
function branchErrors(path: string, branches: JSONSchemaProps[], v: unknown): FieldError[][] {
  return branches.map((b) => validateValue(path, b, v));
}

/** The branch with the fewest errors (upstream reports the closest match's errors). */
function closest(results: FieldError[][]): FieldError[] {
  return results.reduce((best, r) => (r.length < best.length ? r : best), results[0] ?? []);
}

/** kube-openapi's composite errors are not field errors: apiextensions reports them at a nil path. */
function compositeError(message: string): FieldError {
  return invalid('<nil>', '', message);
}

/** anyOf, oneOf, allOf and not, as kube-openapi's schema-props validator checks them. */
function validateJunctors(path: string, s: JSONSchemaProps, v: unknown, errs: FieldError[]): void {
  const where = JSON.stringify(path);
  if (s.anyOf && s.anyOf.length > 0) {
    const results = branchErrors(path, s.anyOf, v);
    if (!results.some((r) => r.length === 0)) {
      errs.push(compositeError(`${where} must validate at least one schema (anyOf)`), ...closest(results));
    }
  }
  if (s.oneOf && s.oneOf.length > 0) {
    const results = branchErrors(path, s.oneOf, v);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid === 0) {
      errs.push(compositeError(`${where} must validate one and only one schema (oneOf). Found none valid`));
      errs.push(...closest(results));
    } else if (valid > 1) {
      errs.push(
        compositeError(`${where} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`),
      );
    }
  }
  if (s.allOf && s.allOf.length > 0) {
    const results = branchErrors(path, s.allOf, v);
    const valid = results.filter((r) => r.length === 0).length;
    for (const r of results) errs.push(...r);
    if (valid !== results.length) {
      const none = valid === 0 ? '. None validated' : '';
      errs.push(compositeError(`${where} must validate all the schemas (allOf)${none}`));
    }
  }
  if (s.not && validateValue(path, s.not, v).length === 0) {
    errs.push(compositeError(`${where} must not validate the schema (not)`));
  }
}

/**
 * Upstream's schema validation of a custom resource (kube-openapi's validator, its
 * errors converted to field errors as apiextensions does), for the keywords a
 * structural schema has: type, nullable, enum, bounds, lengths, pattern, items,
 * properties, required, and the junctors allOf, anyOf, oneOf, not. With the old value
 * (an update), a subtree equal to the old one it correlates with is not validated
 * again: its errors were there before (CRDValidationRatcheting, on by default in 1.32).
 */
export function validateValue(path: string, s: JSONSchemaProps | undefined, v: unknown, old?: unknown): FieldError[] {
  if (!s) return [];
  if (unchanged(v, old)) return [];
  const errs: FieldError[] = [];
  if (v === null) {
    if (s.nullable || !s.type) return errs;
    return [typeError(path, s.type, v)];
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeName(v) !== 'integer' && typeof v !== 'string') errs.push(typeError(path, 'integer-or-string', v));
  } else if (s.type && !typeMatches(s.type, v)) {
    return [typeError(path, s.type, v)];
  }
  if (s.enum && !s.enum.some((e) => deepEqual(e, v))) {
    errs.push(
      notSupported(
        path,
        typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean),
        enumValues(s.enum),
      ),
    );
  }
  validateJunctors(path, s, v, errs);
  if (typeof v === 'number') validateNumber(path, s, v, errs);
  else if (typeof v === 'string') validateString(path, s, v, errs);
  else if (Array.isArray(v)) validateArray(path, s, v, old, errs);
  else if (isPlainObject(v)) {
    if (s['x-kubernetes-embedded-resource'] && path !== '') validateEmbedded(path, v, errs);
    validateObject(path, s, v, old, errs);
  }
  return errs;
}

/** The object without what the store checks itself (metadata and type meta), for the schema walk. */
function bodyOf(obj: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...obj };
  delete rest.metadata;
  delete rest.apiVersion;
  delete rest.kind;
  return rest;
}

/** The whole object against its version's schema; metadata and type meta are the store's to check. */
export function validateCustomResource(
  obj: Record<string, unknown>,
  schema: JSONSchemaProps | undefined,
  old?: Record<string, unknown>,
): FieldError[] {
  if (!schema) return [];
  const props = { ...(schema.properties ?? {}) };
  delete props.metadata;
  delete props.apiVersion;
  delete props.kind;
  return validateValue(
    '',
    { ...schema, properties: props, required: (schema.required ?? []).filter((r) => r !== 'metadata') },
    bodyOf(obj),
    old && bodyOf(old),
  );
}
