import type { FieldError } from '../../api/errors';
import type {
  AuditAnnotation,
  ParamKind,
  ParamRef,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  Validation,
  Variable,
} from '../../generated/k8s.io.api.admissionregistration.v1';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  nameIsDNSSubdomain,
  validatePathSegmentName,
} from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  forStore,
  metaOf,
  nextGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';
import {
  defaultMatchResources,
  FAILURE_POLICIES,
  validateExpression,
  validateMatchConditions,
  validateMatchResources,
  validatePolicy,
} from './admission-common';

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding. */

const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];
const VALIDATION_ACTIONS = ['Audit', 'Deny', 'Warn'];
const PARAMETER_NOT_FOUND_ACTIONS = ['Deny', 'Allow'];
const MAX_AUDIT_ANNOTATIONS = 20;
const CEL_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

function validateParamKind(pk: ParamKind, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = pk.apiVersion ?? '';
  if (apiVersion === '') errs.push(required(child(path, 'apiVersion')));
  else {
    const parts = apiVersion.split('/');
    if (parts.length > 2) {
      errs.push(invalid(child(path, 'apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
    } else {
      const [group, version] = parts.length === 2 ? parts : ['', parts[0]];
      if (group !== '')
        for (const msg of isDNS1123Subdomain(group)) errs.push(invalid(child(path, 'apiVersion'), group, msg));
      for (const msg of isDNS1123Label(version)) errs.push(invalid(child(path, 'apiVersion'), version, msg));
    }
  }
  if (!pk.kind) errs.push(required(child(path, 'kind')));
  return errs;
}

function hasNewlines(s: string): boolean {
  return /[\r\n]/.test(s);
}

function validateValidation(v: Validation, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateExpression(v.expression, child(path, 'expression')));
  const messageExpression = v.messageExpression ?? '';
  if (messageExpression.length > 0 && messageExpression.trim() === '') {
    errs.push(required(child(path, 'messageExpression'), 'must be non-empty if specified'));
  } else if (messageExpression.trim() !== '') {
    errs.push(...validateExpression(messageExpression, child(path, 'messageExpression'), 'messageExpression'));
  }
  const message = v.message ?? '';
  if (message !== '' && message.trim() === '') {
    errs.push(invalid(child(path, 'message'), message, 'message must be non-empty if specified'));
  } else if (hasNewlines(message.trim())) {
    errs.push(invalid(child(path, 'message'), message, 'message must not contain line breaks'));
  }
  if (v.reason !== undefined && v.reason !== null && !REASONS.includes(v.reason)) {
    errs.push(notSupported(child(path, 'reason'), v.reason, REASONS));
  }
  return errs;
}

function validateVariable(v: Variable, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = (v.name ?? '').trim();
  if (name === '') errs.push(required(child(path, 'name'), 'name is not specified'));
  else if (!CEL_IDENTIFIER.test(name)) {
    errs.push(invalid(child(path, 'name'), v.name, 'name is not a valid CEL identifier'));
  }
  errs.push(...validateExpression(v.expression, child(path, 'expression')));
  return errs;
}

function validateAuditAnnotation(policyName: string, a: AuditAnnotation, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const key = a.key ?? '';
  if (key === '') errs.push(required(child(path, 'key')));
  else {
    // the audit event carries it as <policy name>/<key>, which must be a qualified name
    for (const msg of isQualifiedName(`${policyName}/${key}`.toLowerCase())) {
      errs.push(invalid(child(path, 'key'), key, msg));
    }
  }
  errs.push(...validateExpression((a.valueExpression ?? '').trim(), child(path, 'valueExpression'), 'valueExpression'));
  return errs;
}

export function validatePolicySpec(obj: ValidatingAdmissionPolicy): FieldError[] {
  const spec = obj.spec ?? {};
  const errs = validatePolicy(spec.failurePolicy, FAILURE_POLICIES, 'spec.failurePolicy');
  if (spec.paramKind) errs.push(...validateParamKind(spec.paramKind, 'spec.paramKind'));
  if (!spec.matchConstraints) errs.push(required('spec.matchConstraints'));
  else errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  errs.push(...validateMatchConditions(spec.matchConditions ?? [], 'spec.matchConditions'));
  (spec.variables ?? []).forEach((v, i) => errs.push(...validateVariable(v, index('spec.variables', i))));
  const validations = spec.validations ?? [];
  const annotations = spec.auditAnnotations ?? [];
  if (validations.length === 0 && annotations.length === 0) {
    const why = 'validations or auditAnnotations must contain at least one item';
    errs.push(required('spec.validations', why), required('spec.auditAnnotations', why));
    return errs;
  }
  validations.forEach((v, i) => errs.push(...validateValidation(v, index('spec.validations', i))));
  if (annotations.length > MAX_AUDIT_ANNOTATIONS) {
    errs.push(
      invalid(
        'spec.auditAnnotations',
        annotations,
        `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`,
      ),
    );
  }
  const keys = new Set<string>();
  annotations.forEach((a, i) => {
    const path = index('spec.auditAnnotations', i);
    errs.push(...validateAuditAnnotation(metaOf(obj).name ?? '', a, path));
    if (keys.has(a.key ?? '')) errs.push(duplicate(child(path, 'key'), a.key ?? ''));
    keys.add(a.key ?? '');
  });
  return errs;
}

function validateParamRef(pr: ParamRef | undefined, path: string): FieldError[] {
  if (!pr) return [];
  const errs: FieldError[] = [];
  const name = pr.name ?? '';
  if (name !== '') {
    for (const msg of validatePathSegmentName(name, false)) errs.push(invalid(child(path, 'name'), name, msg));
    if (pr.selector) errs.push(forbidden(child(path, 'name'), 'name and selector are mutually exclusive'));
  }
  if (pr.selector) errs.push(...validateLabelSelector(asLabelSelector(pr.selector), child(path, 'selector')));
  const ns = pr.namespace ?? '';
  if (ns !== '') for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(path, 'namespace'), ns, msg));
  if (name === '' && !pr.selector) errs.push(required(path, 'one of name or selector must be specified'));
  const action = pr.parameterNotFoundAction ?? '';
  if (action === '') errs.push(required(child(path, 'parameterNotFoundAction')));
  else if (!PARAMETER_NOT_FOUND_ACTIONS.includes(action)) {
    errs.push(notSupported(child(path, 'parameterNotFoundAction'), action, PARAMETER_NOT_FOUND_ACTIONS));
  }
  return errs;
}

function validateValidationActions(actions: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!VALIDATION_ACTIONS.includes(a)) errs.push(notSupported(index(path, i), a, VALIDATION_ACTIONS));
    if (seen.has(a)) errs.push(duplicate(index(path, i), a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(
      invalid(
        path,
        actions,
        'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ),
    );
  }
  if (seen.size === 0) errs.push(required(path, 'at least one validation action is required'));
  return errs;
}

export function validateBindingSpec(obj: ValidatingAdmissionPolicyBinding): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  const policyName = spec.policyName ?? '';
  if (policyName === '') errs.push(required('spec.policyName'));
  else for (const msg of nameIsDNSSubdomain(policyName, false)) errs.push(invalid('spec.policyName', policyName, msg));
  errs.push(...validateParamRef(spec.paramRef, 'spec.paramRef'));
  // upstream reports these under the misspelt "matchResouces"
  if (spec.matchResources) errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResouces', false));
  errs.push(...validateValidationActions(spec.validationActions ?? [], 'spec.validationActions'));
  return errs;
}

/** Generation follows spec changes, as for every kind with a spec. */
function bumpGenerationOnSpecChange(obj: { metadata?: object; spec?: unknown }, old: typeof obj): void {
  nextGeneration(obj, old, !semanticEqual(obj.spec, old.spec));
}

export const validatingAdmissionPolicyStrategy: KindStrategy = forStore<ValidatingAdmissionPolicy>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],

  applyDefaults(obj) {
    const spec = obj.spec ?? (obj.spec = {});
    if (!spec.failurePolicy) spec.failurePolicy = 'Fail';
    if (spec.matchConstraints) defaultMatchResources(spec.matchConstraints);
  },

  prepareForCreate(obj) {
    delete obj.status;
    metaOf(obj).generation = 1;
  },

  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status);
    if (obj.status === undefined) delete obj.status;
    bumpGenerationOnSpecChange(obj, old);
  },

  validate: (obj) => [...validateMetaCreate(obj, metaRules), ...validatePolicySpec(obj)],
  validateUpdate: (obj, old) => [...validateMetaUpdate(obj, old), ...validatePolicySpec(obj)],
});

export const validatingAdmissionPolicyBindingStrategy: KindStrategy = forStore<ValidatingAdmissionPolicyBinding>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  applyDefaults(obj) {
    const spec = obj.spec ?? (obj.spec = {});
    if (spec.matchResources) defaultMatchResources(spec.matchResources);
    if (spec.paramRef && !spec.paramRef.parameterNotFoundAction) spec.paramRef.parameterNotFoundAction = 'Deny';
  },

  prepareForCreate(obj) {
    metaOf(obj).generation = 1;
  },

  prepareForUpdate: bumpGenerationOnSpecChange,

  validate: (obj) => [...validateMetaCreate(obj, metaRules), ...validateBindingSpec(obj)],
  validateUpdate: (obj, old) => [...validateMetaUpdate(obj, old), ...validateBindingSpec(obj)],
});
