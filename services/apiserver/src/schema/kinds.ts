import type { SchemaSet } from './model';

export const META_V1_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** API groups whose proto package is not `k8s.io.api.<first label of the group>`. */
const PACKAGE_PREFIX_BY_GROUP: Record<string, string> = {
  '': 'k8s.io.api.core',
  'internal.apiserver.k8s.io': 'k8s.io.api.apiserverinternal',
  'apiextensions.k8s.io': 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'k8s.io.kube_aggregator.pkg.apis.apiregistration',
  'meta.k8s.io': 'k8s.io.apimachinery.pkg.apis.meta',
};

/** The proto package holding the types of one API group version, e.g. ('rbac.authorization.k8s.io','v1') → k8s.io.api.rbac.v1. */
export function packageForGroupVersion(group: string, version: string): string {
  const prefix = PACKAGE_PREFIX_BY_GROUP[group] ?? `k8s.io.api.${group.split('.')[0]}`;
  return `${prefix}.${version}`;
}

/**
 * Built-in groups are one label (apps, batch) or end in .k8s.io; a custom resource's group
 * (a domain with a dot, e.g. apps.example.com) never maps to a built-in package.
 */
function mayBeBuiltinGroup(group: string): boolean {
  return group in PACKAGE_PREFIX_BY_GROUP || !group.includes('.') || group.endsWith('.k8s.io');
}

/** Splits `apps/v1` into group and version; `v1` is the core group. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const resolved = new WeakMap<SchemaSet, Map<string, string | null>>();

/**
 * The message for a kind, or undefined. Kinds every group version serves from meta/v1
 * (Status, WatchEvent, DeleteOptions, ...) fall back to the meta.v1 package.
 */
export function messageForKind(schemas: SchemaSet, group: string, version: string, kind: string): string | undefined {
  let memo = resolved.get(schemas);
  if (!memo) {
    memo = new Map();
    resolved.set(schemas, memo);
  }
  const key = `${group}/${version}/${kind}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let found: string | null = null;
  if (kind && /^[A-Za-z0-9]+$/.test(kind)) {
    const own = `${packageForGroupVersion(group, version)}.${kind}`;
    const meta = `${META_V1_PACKAGE}.${kind}`;
    if (mayBeBuiltinGroup(group) && schemas.has(own)) found = own;
    else if (schemas.has(meta)) found = meta;
  }
  // unknown kinds come from requests; keep the memo bounded
  if (found !== null || memo.size < 4096) memo.set(key, found);
  return found ?? undefined;
}

export function messageForApiVersionKind(schemas: SchemaSet, apiVersion: string, kind: string): string | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return messageForKind(schemas, group, version, kind);
}
