import type { FieldError } from '../../api/errors';
import { compareNanos, isWholeNumber, parseQuantity } from '../../api/quantity';
import { GoValue, invalid, key } from './field';
import { isQualifiedName } from './names';

/**
 * Resource names and resource.Quantity values as core validation checks them
 * (ResourceList keys and values in quotas, limit ranges, volumes, overheads).
 */

export const IS_NEGATIVE_QUANTITY = 'must be greater than or equal to 0';
export const IS_NOT_POSITIVE_QUANTITY = 'must be greater than zero';
export const IS_NOT_INTEGER = 'must be an integer';
export const IS_INVALID_QUOTA_RESOURCE = 'must be a standard resource for quota';

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

const STANDARD_RESOURCES = new Set([
  ...STANDARD_CONTAINER_RESOURCES,
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

const STANDARD_QUOTA_RESOURCES = new Set([...STANDARD_RESOURCES].filter((r) => r !== 'storage'));

/** Counted, never fractional. */
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

const HUGEPAGES_PREFIX = 'hugepages-';
const QUOTA_HUGEPAGES_PREFIX = 'requests.hugepages-';
const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const REQUESTS_PREFIX = 'requests.';

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.startsWith(DEFAULT_NAMESPACE_PREFIX);
}

/** Extended resources (a vendor domain, e.g. example.com/gpu) are integers too. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(`${REQUESTS_PREFIX}${name}`).length === 0;
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(QUOTA_HUGEPAGES_PREFIX);
}

export function isStandardQuotaResourceName(name: string): boolean {
  return (
    STANDARD_QUOTA_RESOURCES.has(name) || name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(QUOTA_HUGEPAGES_PREFIX)
  );
}

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

/** A Quantity in an error: apimachinery prints it in its canonical text, which for well-formed input is the input. */
export function goQuantity(text: string): GoValue {
  return new GoValue(text);
}

/** validateResourceName: a qualified name, and a standard one when it has no domain. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    return [invalid(path, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** ValidateContainerResourceName: a standard container resource, or a native or extended one with a domain. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!name.startsWith('kubernetes.io/') && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

export function validateResourceQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) {
    errs.push(invalid(path, name, IS_INVALID_QUOTA_RESOURCE));
  }
  return errs;
}

export function quantityText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v : '';
}

/** The value in nano-units; 0 for what the codec already refused as malformed. */
export function quantityNanos(v: unknown): bigint {
  return parseQuantity(quantityText(v)) ?? 0n;
}

export function validateNonnegativeQuantity(v: unknown, path: string): FieldError[] {
  return quantityNanos(v) < 0n ? [invalid(path, quantityText(v), IS_NEGATIVE_QUANTITY)] : [];
}

export function validatePositiveQuantity(v: unknown, path: string): FieldError[] {
  return quantityNanos(v) <= 0n ? [invalid(path, quantityText(v), IS_NOT_POSITIVE_QUANTITY)] : [];
}

/** ValidateResourceQuantityValue: never negative, whole for counted resources. */
export function validateResourceQuantityValue(resource: string, v: unknown, path: string): FieldError[] {
  const errs = validateNonnegativeQuantity(v, path);
  if (isIntegerResourceName(resource) && !isWholeNumber(quantityNanos(v))) {
    errs.push(invalid(path, goQuantity(quantityText(v)), IS_NOT_INTEGER));
  }
  return errs;
}

export type NameCheck = (name: string, path: string) => FieldError[];

/** A ResourceList (map of resource name to quantity): every key by nameCheck, every value by ValidateResourceQuantityValue. */
export function validateResourceList(list: unknown, path: string, nameCheck: NameCheck): FieldError[] {
  if (list === null || typeof list !== 'object' || Array.isArray(list)) return [];
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(list as Record<string, unknown>)) {
    const p = key(path, name);
    errs.push(...nameCheck(name, p), ...validateResourceQuantityValue(name, value, p));
  }
  return errs;
}

/** a compared with b as quantities. */
export function compareQuantities(a: unknown, b: unknown): number {
  return compareNanos(quantityNanos(a), quantityNanos(b));
}
