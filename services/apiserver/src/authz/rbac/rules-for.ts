import type { PolicyRule } from '../../generated/k8s.io.api.rbac.v1';
import type { NonResourceRule, ResourceRule, RulesForResult, UserInfo } from '../types';
import { aggregateMessage } from './authorizer';
import type { NotFoundStyle, RuleIndex } from './rule-index';

/** Every rule that applies to the user in the namespace (cluster-wide ones included), duplicates kept as upstream. */
export function policyRulesFor(
  index: RuleIndex,
  user: UserInfo,
  namespace: string,
  style: NotFoundStyle = 'lister',
): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  index.visitRulesFor(
    user,
    namespace,
    (_source, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err.message);
      return true;
    },
    style,
  );
  return { rules, errors };
}

/** The rules SelfSubjectRulesReview reports for RBAC: resource and non-resource halves of each rule. */
export function rulesFor(index: RuleIndex, user: UserInfo, namespace: string): RulesForResult {
  const { rules, errors } = policyRulesFor(index, user, namespace);
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rules) {
    if ((r.resources ?? []).length > 0) {
      resourceRules.push({
        verbs: [...(r.verbs ?? [])],
        apiGroups: [...(r.apiGroups ?? [])],
        resources: [...(r.resources ?? [])],
        resourceNames: [...(r.resourceNames ?? [])],
      });
    }
    if ((r.nonResourceURLs ?? []).length > 0) {
      nonResourceRules.push({ verbs: [...(r.verbs ?? [])], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
    }
  }
  return {
    resourceRules,
    nonResourceRules,
    incomplete: false,
    evaluationError: errors.length ? aggregateMessage(errors) : '',
  };
}
