import type { PolicyRule } from '../../generated/k8s.io.api.rbac.v1';

/**
 * upstream's Covers: split every servant rule into one-verb, one-resource,
 * one-name pieces; each piece must be covered by a single owner rule. Returns
 * the uncovered pieces.
 */
export function covers(
  ownerRules: readonly PolicyRule[],
  servantRules: readonly PolicyRule[],
): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const servant of servantRules) {
    // the common case (a bootstrap role reconciled at every start): the owner holds the rule as it is
    if (ownerRules.some((owner) => coversAsWhole(owner, servant))) continue;
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((owner) => ruleCovers(owner, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Whether owner equals servant field by field, so that every piece breakdownRule makes of
 * servant is covered by owner. Not so for a rule naming both resourceNames and
 * nonResourceURLs: its URL pieces have no names, which a rule limited to names never covers.
 */
function coversAsWhole(owner: PolicyRule, servant: PolicyRule): boolean {
  if ((servant.resourceNames ?? []).length > 0 && (servant.nonResourceURLs ?? []).length > 0) return false;
  return (
    sameList(owner.verbs, servant.verbs) &&
    sameList(owner.apiGroups, servant.apiGroups) &&
    sameList(owner.resources, servant.resources) &&
    sameList(owner.resourceNames, servant.resourceNames) &&
    sameList(owner.nonResourceURLs, servant.nonResourceURLs)
  );
}

export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const verbs = rule.verbs ?? [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of verbs) {
        if (names.length > 0) {
          for (const n of names)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function hasAll(set: readonly string[], wanted: readonly string[]): boolean {
  const owned = new Set(set);
  return wanted.every((w) => owned.has(w));
}

function resourceCoversAll(owned: readonly string[], wanted: readonly string[]): boolean {
  if (owned.includes('*') || hasAll(owned, wanted)) return true;
  for (const path of wanted) {
    if (owned.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!owned.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, ''));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ownerVerbs = owner.verbs ?? [];
  const ownerGroups = owner.apiGroups ?? [];
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const verbs = ownerVerbs.includes('*') || hasAll(ownerVerbs, sub.verbs ?? []);
  const groups = ownerGroups.includes('*') || hasAll(ownerGroups, sub.apiGroups ?? []);
  const resources = resourceCoversAll(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((u) =>
    (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, u)),
  );
  // a rule limited to names never covers a request for every name
  const names =
    subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

function isSimpleResourceRule(rule: PolicyRule): string | undefined {
  const names = rule.resourceNames ?? [];
  if (names.length > 1 || (rule.nonResourceURLs ?? []).length > 0) return undefined;
  if ((rule.apiGroups ?? []).length !== 1 || (rule.resources ?? []).length !== 1) return undefined;
  return JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0], names.length ? names[0] : null]);
}

/** upstream's CompactRules: merge single group/resource(/name) rules that differ only by verb. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = isSimpleResourceRule(rule);
    if (key === undefined) {
      compacted.push(rule);
      continue;
    }
    const existing = simple.get(key);
    if (!existing) {
      simple.set(key, { ...rule, verbs: [...(rule.verbs ?? [])] });
      continue;
    }
    const verbs = existing.verbs ?? [];
    for (const v of rule.verbs ?? []) if (!verbs.includes(v)) verbs.push(v);
    existing.verbs = verbs;
  }
  return [...compacted, ...simple.values()];
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuotedList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

/** upstream's CompactString, e.g. `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if ((rule.apiGroups ?? []).length) parts.push(`APIGroups:${goQuotedList(rule.apiGroups ?? [])}`);
  if ((rule.resources ?? []).length) parts.push(`Resources:${goQuotedList(rule.resources ?? [])}`);
  if ((rule.nonResourceURLs ?? []).length) parts.push(`NonResourceURLs:${goQuotedList(rule.nonResourceURLs ?? [])}`);
  if ((rule.resourceNames ?? []).length) parts.push(`ResourceNames:${goQuotedList(rule.resourceNames ?? [])}`);
  if ((rule.verbs ?? []).length) parts.push(`Verbs:${goQuotedList(rule.verbs ?? [])}`);
  return `{${parts.join(', ')}}`;
}
