import type { FieldRequirement } from '../selection/fields';
import type { LabelRequirement } from '../selection/labels';
/**
 * The authorization layer's vocabulary. UserInfo is structurally the same as
 * authn's user so either can be passed where the other is expected.
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request asks to do, as the request-info filter decoded it. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /**
   * The request's fieldSelector and labelSelector requirements (upstream's
   * GetFieldSelector/GetLabelSelector); an error when the selector does not parse.
   */
  fieldSelector?: SelectorAttribute<FieldRequirement>;
  labelSelector?: SelectorAttribute<LabelRequirement>;
}

export interface SelectorAttribute<R> {
  requirements: R[];
  error?: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizerResult {
  decision: Decision;
  reason: string;
}

/** Synchronous: every kapi authorizer answers from memory. */
export interface Authorizer {
  authorize(a: Attributes): AuthorizerResult;
}

/** authorizer.ResourceRuleInfo as SelfSubjectRulesReview reports it. */
export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesForResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** true when some authorizer cannot enumerate what it would allow */
  incomplete: boolean;
  /** upstream's status.evaluationError; '' when rules resolved cleanly */
  evaluationError: string;
}

/** Authorizers that can also list what a user may do (SelfSubjectRulesReview). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesForResult;
}

export const SYSTEM_MASTERS = 'system:masters';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Splits `system:serviceaccount:<ns>:<name>`; undefined for anything else. */
export function parseServiceAccountUser(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = username.slice(SERVICE_ACCOUNT_PREFIX.length);
  const parts = rest.split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0], name: parts[1] };
}
