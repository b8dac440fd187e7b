import type { FieldError } from '../../api/errors';
import type { ResourceQuota, ResourceQuotaSpec } from '../../generated/k8s.io.api.core.v1';
import { child, FIELD_IMMUTABLE, GoValue, goQuote, invalid, required } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import {
  isStandardQuotaResourceName,
  validateResourceList,
  validateResourceQuotaResourceName,
} from '../validation/resources';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { keepOldStatus, STATUS_PATHS } from './spec-status';

export const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];
const POD_COUNT = ['pods'];
const POD_COMPUTE = ['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'];
const CONFLICTING_SCOPES: Array<[string, string]> = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];
const EXISTS_ONLY_SCOPES = [
  'BestEffort',
  'NotBestEffort',
  'Terminating',
  'NotTerminating',
  'CrossNamespacePodAffinity',
];

/** Which resources a scope can restrict: a BestEffort pod uses no compute, so only the pod count. */
function scopeAppliesTo(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
      return POD_COUNT.includes(resource) || POD_COMPUTE.includes(resource);
    case 'BestEffort':
    case 'CrossNamespacePodAffinity':
      return POD_COUNT.includes(resource);
    default:
      return false;
  }
}

function goScopes(scopes: string[]): GoValue {
  return new GoValue(`[]core.ResourceQuotaScope{${scopes.map(goQuote).join(', ')}}`);
}

function scopedHardNames(spec: ResourceQuotaSpec): string[] {
  return Object.keys(spec.hard ?? {})
    .filter(isStandardQuotaResourceName)
    .sort();
}

function validateScopes(spec: ResourceQuotaSpec): FieldError[] {
  const scopes = spec.scopes ?? [];
  if (scopes.length === 0) return [];
  const errs: FieldError[] = [];
  const shown = goScopes(scopes);
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid('spec.scopes', shown, 'unsupported scope'));
    for (const resource of scopedHardNames(spec)) {
      if (!scopeAppliesTo(scope, resource)) {
        errs.push(invalid('spec.scopes', shown, 'unsupported scope applied to resource'));
      }
    }
  }
  for (const [a, b] of CONFLICTING_SCOPES) {
    if (scopes.includes(a) && scopes.includes(b)) errs.push(invalid('spec.scopes', shown, 'conflicting scopes'));
  }
  return errs;
}

function validateScopeSelector(spec: ResourceQuotaSpec): FieldError[] {
  const selector = spec.scopeSelector;
  if (!selector) return [];
  const path = 'spec.scopeSelector';
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const req of selector.matchExpressions ?? []) {
    const scope = req.scopeName ?? '';
    const operator = req.operator ?? '';
    const values = req.values ?? [];
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid(child(path, 'scopeName'), scope, 'unsupported scope'));
    for (const resource of scopedHardNames(spec)) {
      if (!scopeAppliesTo(scope, resource)) errs.push(invalid(path, selector, 'unsupported scope applied to resource'));
    }
    if (EXISTS_ONLY_SCOPES.includes(scope) && operator !== 'Exists') {
      errs.push(
        invalid(
          child(path, 'operator'),
          operator,
          "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) {
        errs.push(
          required(
            child(path, 'values'),
            "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
          ),
        );
      }
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) {
        errs.push(
          invalid(
            child(path, 'values'),
            values,
            "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
          ),
        );
      }
    } else {
      errs.push(invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const [a, b] of CONFLICTING_SCOPES) {
    if (seen.has(a) && seen.has(b)) errs.push(invalid(path, selector, 'conflicting scopes'));
  }
  return errs;
}

export function validateResourceQuotaFields(quota: ResourceQuota): FieldError[] {
  const spec = quota.spec ?? {};
  return [
    ...validateResourceList(spec.hard, 'spec.hard', validateResourceQuotaResourceName),
    ...validateScopes(spec),
    ...validateScopeSelector(spec),
    ...validateResourceList(quota.status?.hard, 'status.hard', validateResourceQuotaResourceName),
    ...validateResourceList(quota.status?.used, 'status.used', validateResourceQuotaResourceName),
  ];
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const resourceQuotaStrategy: KindStrategy = forStore<ResourceQuota>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: STATUS_PATHS,

  prepareForCreate(obj) {
    // Go prints the zero ResourceQuotaStatus as `status: {}`; the quota controller fills it
    obj.status = {};
  },

  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    keepOldGeneration(obj, old);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateResourceQuotaFields(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old), ...validateResourceQuotaFields(obj)];
    // scopes decide which pods were counted so far; changing them would make the usage a lie
    const now = new Set(obj.spec?.scopes ?? []);
    const before = new Set(old.spec?.scopes ?? []);
    if (now.size !== before.size || [...now].some((s) => !before.has(s))) {
      errs.push(invalid('spec.scopes', goScopes(obj.spec?.scopes ?? []), FIELD_IMMUTABLE));
    }
    return errs;
  },
});
