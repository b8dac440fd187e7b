import type { FieldError } from '../../api/errors';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { ValidationRule } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { compileRule } from '../customresources/cr-schema-cel';
import { child, forbidden, goQuote, GoValue, index, invalid, key, notSupported, required } from '../validation/field';

const RULE_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/** Go's %#v of an internal ValidationRule, as upstream prints a rule that does not compile. */
function goRule(r: ValidationRule): GoValue {
  const ptr = (t: string, set: boolean): string => `(*${t})(${set ? '0xc000000000' : 'nil'})`;
  return new GoValue(
    `apiextensions.ValidationRule{Rule:${goQuote(r.rule ?? '')}, Message:${goQuote(r.message ?? '')}, ` +
      `MessageExpression:${goQuote(r.messageExpression ?? '')}, ` +
      `Reason:${ptr('apiextensions.FieldValueErrorReason', r.reason !== undefined)}, FieldPath:${goQuote(r.fieldPath ?? '')}, ` +
      `OptionalOldSelf:${ptr('bool', r.optionalOldSelf !== undefined)}}`,
  );
}

function validateRules(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const at = index(child(path, 'x-kubernetes-validations'), i);
    if (!r.rule) errs.push(required(child(at, 'rule'), 'rule is not specified'));
    else {
      const c = compileRule(r);
      if ('error' in c) errs.push(invalid(child(at, 'rule'), goRule(r), c.error));
    }
    if (r.reason !== undefined && !RULE_REASONS.includes(r.reason)) {
      errs.push(notSupported(child(at, 'reason'), r.reason, RULE_REASONS));
    }
  });
  return errs;
}

const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

function untypedAllowed(s: JSONSchemaProps): boolean {
  return s['x-kubernetes-int-or-string'] === true || s['x-kubernetes-preserve-unknown-fields'] === true;
}

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

/**
 * The keyword rules of one schema node (upstream's ValidateCustomResourceDefinitionOpenAPISchema)
 * and the structural ones: a type wherever a field or item is specified, items for arrays.
 * `specified` says why the node needs a type ('object fields' | 'array items'), none at the root.
 */
function validateNode(s: JSONSchemaProps, path: string, specified?: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.type && !SCHEMA_TYPES.includes(s.type)) errs.push(notSupported(child(path, 'type'), s.type, SCHEMA_TYPES));
  if (!s.type && specified && !untypedAllowed(s)) {
    errs.push(required(child(path, 'type'), `must not be empty for specified ${specified}`));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        child(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const props = s.properties ?? {};
  const additional = s.additionalProperties;
  if (
    additional !== undefined &&
    Object.keys(props).length > 0 &&
    (additional === false || typeof additional === 'object')
  ) {
    errs.push(
      forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'),
    );
  }
  if (typeof additional === 'object') {
    errs.push(...validateNode(additional, child(path, 'additionalProperties'), 'object fields'));
  }
  for (const name of Object.keys(props).sort()) {
    errs.push(...validateNode(props[name], key(child(path, 'properties'), name), 'object fields'));
  }
  errs.push(...validateRules(s, path));
  const items = itemsOf(s);
  if (s.type === 'array' && !items) errs.push(required(child(path, 'items'), 'must be specified'));
  if (items) errs.push(...validateNode(items, child(path, 'items'), 'array items'));
  return errs;
}

/** A version's openAPIV3Schema below its root checks: keyword rules and structural completeness. */
export function validateOpenApiSchema(schema: JSONSchemaProps, path: string): FieldError[] {
  return validateNode(schema, path);
}
