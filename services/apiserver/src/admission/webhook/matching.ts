import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { LabelSelector as MetaLabelSelector } from '../../generated/k8s.io.apimachinery.pkg.apis.meta.v1';
import type { RuleWithOperations } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { StoreTable } from '../../registry/store-table';
import { matchesLabels, type LabelRequirement } from '../../selection/labels';
import type { AdmissionAttributes, GroupVersionKind, GroupVersionResource } from '../interface';
import { internalError } from './errors';

/** Resources whose writes never reach webhooks, so a broken webhook cannot lock its own configuration. */
const EXEMPT_RESOURCES = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export function isExemptResource(a: AdmissionAttributes): boolean {
  return a.resource.group === 'admissionregistration.k8s.io' && EXEMPT_RESOURCES.has(a.resource.resource);
}

/** A metav1.LabelSelector as requirements; undefined for an unparseable one. */
export function selectorRequirements(sel: MetaLabelSelector | undefined): LabelRequirement[] | undefined {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const key = e.key ?? '';
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        reqs.push({ key, op: 'in', values });
        break;
      case 'NotIn':
        reqs.push({ key, op: 'notin', values });
        break;
      case 'Exists':
        reqs.push({ key, op: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key, op: '!', values: [] });
        break;
      default:
        return undefined;
    }
  }
  return reqs;
}

function ruleListMatches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function resourceMatches(resources: string[] | undefined, resource: string, subresource: string): boolean {
  return (resources ?? []).some((r) => {
    const slash = r.indexOf('/');
    const res = slash < 0 ? r : r.slice(0, slash);
    const sub = slash < 0 ? '' : r.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

function scopeMatches(scope: string | undefined, namespaced: boolean): boolean {
  if (scope === 'Cluster') return !namespaced;
  if (scope === 'Namespaced') return namespaced;
  return true;
}

/** What one rule is asked about: the operation and the resource in one of its versions. */
export interface RuleQuery {
  operation: string;
  resource: GroupVersionResource;
  subresource: string;
  namespaced: boolean;
}

export function ruleMatches(rule: RuleWithOperations, q: RuleQuery): boolean {
  return (
    ruleListMatches(rule.operations, q.operation) &&
    ruleListMatches(rule.apiGroups, q.resource.group) &&
    ruleListMatches(rule.apiVersions, q.resource.version) &&
    resourceMatches(rule.resources, q.resource.resource, q.subresource) &&
    scopeMatches(rule.scope, q.namespaced)
  );
}

/** Groups upstream treats as serving the same resources (their equivalence table, for kinds kapi serves). */
const EQUIVALENT_GROUPS: Record<string, string[]> = {
  apps: ['extensions'],
  extensions: ['apps'],
  'networking.k8s.io': ['extensions'],
  policy: ['extensions'],
};

/** The resource and kind a webhook matched, which the AdmissionReview names. */
export interface MatchedVersion {
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

/**
 * Whether any rule matches: the request's own resource first, then (matchPolicy
 * Equivalent) the same resource in the other versions kapi serves, and in the
 * groups upstream deems equivalent.
 */
export function matchRules(
  rules: RuleWithOperations[] | undefined,
  matchPolicy: string | undefined,
  a: AdmissionAttributes,
  table: StoreTable,
  namespaced: boolean,
): MatchedVersion | undefined {
  const base: RuleQuery = { operation: a.operation, resource: a.resource, subresource: a.subresource, namespaced };
  if ((rules ?? []).some((r) => ruleMatches(r, base))) return { resource: a.resource, kind: a.kind };
  if (matchPolicy === 'Exact') return undefined;
  const groups = [a.resource.group, ...(EQUIVALENT_GROUPS[a.resource.group] ?? [])];
  for (const info of table.resources()) {
    if (!groups.includes(info.group) || info.resource !== a.resource.resource) continue;
    if (info.group === a.resource.group && info.version === a.resource.version) continue;
    const resource = { group: info.group, version: info.version, resource: info.resource };
    if ((rules ?? []).some((r) => ruleMatches(r, { ...base, resource }))) {
      // kapi converts nothing here: the object stays in the request's version (documented deviation)
      return { resource: a.resource, kind: a.kind };
    }
  }
  return undefined;
}

function labelsOf(o: KubeObject | undefined): Record<string, string> | undefined {
  return o?.metadata?.labels ?? undefined;
}

/** objectSelector: the new object's labels or the old object's match. */
export function objectSelectorMatches(sel: MetaLabelSelector | undefined, a: AdmissionAttributes): boolean {
  const reqs = selectorRequirements(sel);
  if (!reqs) throw internalError(`invalid objectSelector`);
  if (reqs.length === 0) return true;
  return (
    (a.object !== undefined && matchesLabels(reqs, labelsOf(a.object))) ||
    (a.oldObject !== undefined && matchesLabels(reqs, labelsOf(a.oldObject)))
  );
}

function isNamespaceRequest(a: AdmissionAttributes): boolean {
  return a.resource.group === '' && a.resource.resource === 'namespaces';
}

/**
 * namespaceSelector: against the request's namespace labels (from the watch
 * cache), for a namespace's own create/update against the object; cluster-scoped
 * requests other than namespaces always match.
 */
export async function namespaceSelectorMatches(
  sel: MetaLabelSelector | undefined,
  a: AdmissionAttributes,
  table: StoreTable,
): Promise<boolean> {
  if (!a.namespace && !isNamespaceRequest(a)) return true;
  const reqs = selectorRequirements(sel);
  if (!reqs) throw internalError(`invalid namespaceSelector`);
  if (reqs.length === 0) return true;
  if (isNamespaceRequest(a) && !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    return matchesLabels(reqs, labelsOf(a.object));
  }
  const name = a.namespace || a.name;
  const store = table.store('', 'v1', 'namespaces');
  if (!store) return false;
  try {
    const ns = await store.get('', name);
    return matchesLabels(reqs, labelsOf(ns));
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) throw e;
    throw internalError(e instanceof Error ? e.message : String(e));
  }
}
