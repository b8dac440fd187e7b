import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { StoreTable } from '../../registry/store-table';
import { asLabelSelector, isConvertibleSelector, selectorMatches } from '../../registry/validation/labelselector';
import type { MatchResources, NamedRuleWithOperations } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { AdmissionAttributes, GroupVersionKind, GroupVersionResource } from '../interface';

/** What a match decided on: the resource and kind the rule matched (an equivalent one under matchPolicy Equivalent). */
export interface MatchResult {
  matches: boolean;
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

function listMatches(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function resourceMatches(rule: NamedRuleWithOperations, resource: string, subresource: string): boolean {
  return (rule.resources ?? []).some((r) => {
    const slash = r.indexOf('/');
    const res = slash < 0 ? r : r.slice(0, slash);
    const sub = slash < 0 ? '' : r.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

function scopeMatches(rule: NamedRuleWithOperations, namespace: string): boolean {
  switch (rule.scope ?? '*') {
    case 'Cluster':
      return namespace === '';
    case 'Namespaced':
      return namespace !== '';
    default:
      return true;
  }
}

function ruleMatches(rule: NamedRuleWithOperations, a: AdmissionAttributes, gvr: GroupVersionResource): boolean {
  if (!listMatches(rule.operations, a.operation)) return false;
  if (!listMatches(rule.apiGroups, gvr.group) || !listMatches(rule.apiVersions, gvr.version)) return false;
  if (!resourceMatches(rule, gvr.resource, a.subresource) || !scopeMatches(rule, a.namespace)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

/**
 * The rules against the request's resource, then (matchPolicy Equivalent, the
 * default) against the other served versions of the same group and resource.
 */
function rulesMatch(
  rules: readonly NamedRuleWithOperations[],
  matchPolicy: string | undefined,
  a: AdmissionAttributes,
  table: StoreTable,
): MatchResult | undefined {
  if (rules.some((r) => ruleMatches(r, a, a.resource))) return { matches: true, resource: a.resource, kind: a.kind };
  if (matchPolicy === 'Exact') return undefined;
  for (const store of table.all()) {
    const i = store.info;
    if (i.group !== a.resource.group || i.resource !== a.resource.resource || i.version === a.resource.version)
      continue;
    const gvr = { group: i.group, version: i.version, resource: i.resource };
    if (rules.some((r) => ruleMatches(r, a, gvr))) {
      return { matches: true, resource: gvr, kind: { group: i.group, version: i.version, kind: i.kind } };
    }
  }
  return undefined;
}

function labelsOf(obj: KubeObject | undefined): Record<string, string> | undefined {
  const labels = (obj?.metadata as { labels?: Record<string, string> } | undefined)?.labels;
  return labels ?? undefined;
}

function parsedSelector(v: unknown): ReturnType<typeof asLabelSelector> {
  const sel = asLabelSelector(v);
  if (sel && !isConvertibleSelector(sel)) throw new Error('invalid label selector');
  return sel;
}

/** Reads the labels of the namespace a request is in. */
export type NamespaceLookup = (name: string) => Promise<KubeObject | undefined>;

async function namespaceSelectorMatches(
  m: MatchResources,
  a: AdmissionAttributes,
  namespaceOf: NamespaceLookup,
): Promise<boolean> {
  const isNamespace = a.resource.group === '' && a.resource.resource === 'namespaces';
  // a cluster-scoped object other than a Namespace is never excluded by a namespace selector
  if (a.namespace === '' && !isNamespace) return true;
  const sel = parsedSelector(m.namespaceSelector);
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0))
    return true;
  let labels: Record<string, string> | undefined;
  if (isNamespace) labels = labelsOf(a.object ?? a.oldObject);
  else {
    const ns = await namespaceOf(a.namespace);
    if (!ns) {
      throw new StatusError(404, 'NotFound', `namespaces "${a.namespace}" not found`, {
        name: a.namespace,
        kind: 'namespaces',
      });
    }
    labels = labelsOf(ns);
  }
  return selectorMatches(sel, labels);
}

function objectSelectorMatches(m: MatchResources, a: AdmissionAttributes): boolean {
  const sel = parsedSelector(m.objectSelector);
  if (!sel) return true;
  return (
    selectorMatches(sel, labelsOf(a.object)) ||
    (a.oldObject !== undefined && selectorMatches(sel, labelsOf(a.oldObject)))
  );
}

/**
 * Upstream's policy Matcher.Matches: namespace and object selectors, excluded rules,
 * then the resource rules (none at all matching every request, as for bindings).
 */
export async function matchResources(
  m: MatchResources,
  a: AdmissionAttributes,
  table: StoreTable,
  namespaceOf: NamespaceLookup,
): Promise<MatchResult> {
  const none: MatchResult = { matches: false, resource: a.resource, kind: a.kind };
  if (!(await namespaceSelectorMatches(m, a, namespaceOf))) return none;
  if (!objectSelectorMatches(m, a)) return none;
  if (rulesMatch(m.excludeResourceRules ?? [], m.matchPolicy, a, table)) return none;
  const rules = m.resourceRules ?? [];
  if (rules.length === 0) return { matches: true, resource: a.resource, kind: a.kind };
  return rulesMatch(rules, m.matchPolicy, a, table) ?? none;
}
