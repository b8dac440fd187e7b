import { StatusError, type FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { applySchemaDefaults, prune } from './cr-schema-prune';
import { validateCelRules } from './cr-schema-cel';
import { validateCustomResource } from './cr-schema-validate';
import { evaluateJsonPath } from './simple-jsonpath';
import { deepClone, metaOf, nextGeneration, type KindStrategy } from '../strategies/common';
import { GoValue, invalid } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual, validateObjectMetaCreate, validateObjectMetaUpdate } from '../validation/objectmeta';

export interface CustomResourceRules {
  namespaced: boolean;
  /** The version declares the status subresource: spec and status are written apart. */
  hasStatus: boolean;
  /** The definition is being deleted: no new objects. */
  terminating: boolean;
  /** The version's openAPIV3Schema: pruning, defaults and validation. */
  schema?: JSONSchemaProps;
  /** The version's selectableFields' JSONPaths, e.g. `.spec.color`. */
  selectableFields?: string[];
}

/** A selectable field's value as a field selector compares it: scalars as text, anything else empty. */
function selectableValue(path: string, obj: KubeObject): string {
  const v = evaluateJsonPath(path, obj)[0];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** Schema errors that mean the object lacks the shape its rules were written for (upstream's hasBlockingErr). */
const BLOCKING: ReadonlySet<FieldError['type']> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

const RULES_NOT_CHECKED = invalid(
  '<nil>',
  new GoValue('"null"'),
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
);

/** Whether any node has x-kubernetes-validations (upstream builds no CEL validator otherwise). */
function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if ((s['x-kubernetes-validations'] ?? []).length > 0) return true;
  const items = Array.isArray(s.items) ? s.items : s.items ? [s.items] : [];
  const values = typeof s.additionalProperties === 'object' ? [s.additionalProperties] : [];
  return [...Object.values(s.properties ?? {}), ...items, ...values].some(hasRules);
}

/** The schema's errors, then its x-kubernetes-validations rules' unless a schema error blocks them. */
function schemaErrors(
  obj: KubeObject,
  old: KubeObject | undefined,
  schema: JSONSchemaProps | undefined,
  withRules: boolean,
): FieldError[] {
  const errs = validateCustomResource(obj, schema, old);
  if (!withRules) return errs;
  if (errs.some((e) => BLOCKING.has(e.type))) return [...errs, RULES_NOT_CHECKED];
  return [...errs, ...validateCelRules(obj, old, schema)];
}

/** What a write through the main resource may change, for the generation rule. */
function trackedContent(obj: KubeObject, hasStatus: boolean): KubeObject {
  const copy: KubeObject = { ...obj };
  delete copy.metadata;
  delete copy.apiVersion;
  delete copy.kind;
  if (hasStatus) delete copy.status;
  return copy;
}

/** Upstream's custom resource strategy: generation on every change but metadata (and status when split). */
export function customResourceStrategy(rules: CustomResourceRules): KindStrategy {
  const metaRules = { namespaced: rules.namespaced, nameValidator: nameIsDNSSubdomain };
  const withRules = hasRules(rules.schema);
  return {
    namespaced: rules.namespaced,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,

    selectableFields(obj) {
      const out: Record<string, string> = {};
      for (const p of rules.selectableFields ?? []) out[p.replace(/^\./, '')] = selectableValue(p, obj);
      return out;
    },

    pruneUnknown(obj) {
      return prune(obj, rules.schema);
    },

    applyDefaults(obj) {
      prune(obj, rules.schema);
      applySchemaDefaults(obj, rules.schema);
    },

    prepareForCreate(obj) {
      if (rules.hasStatus) delete obj.status;
      metaOf(obj).generation = 1;
    },

    prepareForUpdate(obj, old) {
      if (rules.hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = deepClone(old.status);
      }
      const changed = !semanticEqual(trackedContent(obj, rules.hasStatus), trackedContent(old, rules.hasStatus));
      nextGeneration(obj, old, changed);
    },

    prepareForStatusUpdate(obj, old) {
      metaOf(obj).generation = metaOf(old).generation;
    },

    beginCreate() {
      if (rules.terminating) {
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'create not allowed while custom resource definition is terminating',
        );
      }
    },

    validate(obj) {
      return [
        ...validateObjectMetaCreate(obj.metadata, metaRules),
        ...schemaErrors(obj, undefined, rules.schema, withRules),
      ];
    },

    validateUpdate(obj, old) {
      return [
        ...validateObjectMetaUpdate(obj.metadata, old.metadata),
        ...schemaErrors(obj, old, rules.schema, withRules),
      ];
    },

    validateStatusUpdate(obj, old) {
      return [
        ...validateObjectMetaUpdate(obj.metadata, old.metadata),
        ...schemaErrors(obj, old, rules.schema, withRules),
      ];
    },
  };
}
