import type { FieldError } from '../../api/errors';
import type { LimitRange, LimitRangeItem } from '../../generated/k8s.io.api.core.v1';
import { child, duplicate, forbidden, index, invalid, key, required } from '../validation/field';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import {
  compareQuantities,
  goQuantity,
  quantityNanos,
  quantityText,
  validateContainerResourceName,
  validateResourceName,
} from '../validation/resources';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];
type Bound = 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';
type ResourceList = Record<string, string>;

function copyMissing(from: ResourceList | undefined, to: ResourceList): void {
  for (const [k, v] of Object.entries(from ?? {})) if (to[k] === undefined) to[k] = v;
}

/** SetDefaults_LimitRangeItem: a container's default limit falls back to max, its default request to the limit, then to min. */
export function applyLimitRangeItemDefaults(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const defaults: ResourceList = { ...(item.default ?? {}) };
  copyMissing(item.max, defaults);
  const defaultRequest: ResourceList = { ...(item.defaultRequest ?? {}) };
  copyMissing(defaults, defaultRequest);
  copyMissing(item.min, defaultRequest);
  // empty maps are omitted on the wire, as Go's omitempty does
  if (Object.keys(defaults).length > 0) item.default = defaults;
  if (Object.keys(defaultRequest).length > 0) item.defaultRequest = defaultRequest;
}

function validateTypeName(type: string, path: string): FieldError[] {
  const errs = isQualifiedName(type).map((msg) => invalid(path, type, msg));
  if (errs.length > 0) return errs;
  if (!type.includes('/') && !LIMIT_TYPES.includes(type)) {
    return [invalid(path, type, 'must be a standard limit type or fully qualified')];
  }
  return [];
}

function validateLimitResourceName(type: string, name: string, path: string): FieldError[] {
  return type === 'Pod' || type === 'Container'
    ? validateContainerResourceName(name, path)
    : validateResourceName(name, path);
}

function isOvercommitAllowed(name: string): boolean {
  const native = !name.includes('/') || name.startsWith('kubernetes.io/');
  return native && !name.startsWith('hugepages-');
}

/** Go's %f. */
function goFloat(v: number): string {
  return Number.isFinite(v) ? v.toFixed(6) : v > 0 ? '+Inf' : 'NaN';
}

function validateBounds(item: LimitRangeItem, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const at = (bound: Bound, k: string): string => key(child(path, bound), k);
  for (const k of [...names].sort()) {
    const min = item.min?.[k];
    const max = item.max?.[k];
    const def = item.type === 'Pod' ? undefined : item.default?.[k];
    const defReq = item.type === 'Pod' ? undefined : item.defaultRequest?.[k];
    const ratio = item.maxLimitRequestRatio?.[k];
    const q = (v: string | undefined): string => quantityText(v);
    if (min !== undefined && max !== undefined && compareQuantities(min, max) > 0) {
      errs.push(invalid(at('min', k), goQuantity(q(min)), `min value ${q(min)} is greater than max value ${q(max)}`));
    }
    if (defReq !== undefined && min !== undefined && compareQuantities(min, defReq) > 0) {
      const msg = `min value ${q(min)} is greater than default request value ${q(defReq)}`;
      errs.push(invalid(at('defaultRequest', k), goQuantity(q(defReq)), msg));
    }
    if (defReq !== undefined && max !== undefined && compareQuantities(defReq, max) > 0) {
      const msg = `default request value ${q(defReq)} is greater than max value ${q(max)}`;
      errs.push(invalid(at('defaultRequest', k), goQuantity(q(defReq)), msg));
    }
    if (defReq !== undefined && def !== undefined && compareQuantities(defReq, def) > 0) {
      const msg = `default request value ${q(defReq)} is greater than default limit value ${q(def)}`;
      errs.push(invalid(at('defaultRequest', k), goQuantity(q(defReq)), msg));
    }
    if (def !== undefined && min !== undefined && compareQuantities(min, def) > 0) {
      const msg = `min value ${q(min)} is greater than default value ${q(def)}`;
      errs.push(invalid(at('default', k), goQuantity(q(min)), msg));
    }
    if (def !== undefined && max !== undefined && compareQuantities(def, max) > 0) {
      const msg = `default value ${q(def)} is greater than max value ${q(max)}`;
      errs.push(invalid(at('default', k), goQuantity(q(max)), msg));
    }
    if (ratio !== undefined && compareQuantities(ratio, '1') < 0) {
      errs.push(invalid(at('maxLimitRequestRatio', k), goQuantity(q(ratio)), `ratio ${q(ratio)} is less than 1`));
    }
    if (ratio !== undefined && min !== undefined && max !== undefined) {
      const limit = Number(quantityNanos(max)) / Number(quantityNanos(min));
      if (Number(quantityNanos(ratio)) / 1e9 > limit) {
        const msg = `ratio ${q(ratio)} is greater than max/min = ${goFloat(limit)}`;
        errs.push(invalid(at('maxLimitRequestRatio', k), goQuantity(q(ratio)), msg));
      }
    }
    if (!isOvercommitAllowed(k) && def !== undefined && defReq !== undefined && compareQuantities(def, defReq) !== 0) {
      const msg = `default value ${q(def)} must equal to defaultRequest value ${q(defReq)} in ${k}`;
      errs.push(invalid(at('defaultRequest', k), goQuantity(q(defReq)), msg));
    }
  }
  return errs;
}

function validateLimitItem(item: LimitRangeItem, path: string): FieldError[] {
  const type = item.type ?? '';
  const errs = validateTypeName(type, child(path, 'type'));
  const names = new Set<string>();
  const checkNames = (bound: Bound): void => {
    for (const k of Object.keys(item[bound] ?? {})) {
      errs.push(...validateLimitResourceName(type, k, key(child(path, bound), k)));
      names.add(k);
    }
  };
  checkNames('max');
  checkNames('min');
  if (type === 'Pod') {
    for (const bound of ['default', 'defaultRequest'] as const) {
      if (Object.keys(item[bound] ?? {}).length > 0) {
        errs.push(forbidden(child(path, bound), "may not be specified when `type` is 'Pod'"));
      }
    }
  } else {
    checkNames('default');
    checkNames('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
    errs.push(
      required(child(path, 'limits'), 'either minimum or maximum storage value is required, but neither was provided'),
    );
  }
  checkNames('maxLimitRequestRatio');
  errs.push(...validateBounds(item, path, names));
  return errs;
}

export function validateLimitRangeSpec(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const path = index('spec.limits', i);
    errs.push(...validateLimitItem(item, path));
    const type = item.type ?? '';
    if (types.has(type)) errs.push(duplicate(child(path, 'type'), type));
    types.add(type);
  });
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const limitRangeStrategy: KindStrategy = forStore<LimitRange>({
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
  applyDefaults(obj) {
    for (const item of obj.spec?.limits ?? []) applyLimitRangeItemDefaults(item);
  },
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateLimitRangeSpec(obj)];
  },
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateLimitRangeSpec(obj)];
  },
});
