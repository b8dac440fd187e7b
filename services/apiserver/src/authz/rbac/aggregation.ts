import type { ClusterRole, PolicyRule } from '../../generated/k8s.io.api.rbac.v1';
import { asLabelSelector, isConvertibleSelector, selectorMatches } from '../../registry/validation/labelselector';
import { semanticEqual } from '../../registry/validation/objectmeta';

/**
 * The rules an aggregated ClusterRole should hold, as upstream's
 * clusterrole-aggregation controller computes them: selectors in order, the
 * selected roles by name, their rules in order, exact duplicates dropped, the
 * role itself skipped. Undefined when the role does not aggregate.
 */
export function aggregatedRules(target: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = target.aggregationRule?.clusterRoleSelectors;
  if (!target.aggregationRule) return undefined;
  const out: PolicyRule[] = [];
  const byName = [...all].sort((a, b) => compareNames(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  for (const raw of selectors ?? []) {
    const selector = asLabelSelector(raw) ?? {};
    // a selector that does not convert makes upstream's sync fail; select nothing rather than everything
    if (!isConvertibleSelector(selector)) continue;
    for (const role of byName) {
      if (role.metadata?.name === target.metadata?.name) continue;
      if (!selectorMatches(selector, role.metadata?.labels)) continue;
      for (const rule of role.rules ?? []) {
        if (!out.some((r) => semanticEqual(r, rule))) out.push(rule);
      }
    }
  }
  return out;
}

/** The ClusterRole to write back when its aggregated rules changed, or undefined. */
export function reconcileAggregation(target: ClusterRole, all: readonly ClusterRole[]): ClusterRole | undefined {
  const rules = aggregatedRules(target, all);
  if (rules === undefined || semanticEqual(rules, target.rules ?? [])) return undefined;
  return { ...target, rules };
}

/** Go compares strings bytewise; localeCompare would not. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
