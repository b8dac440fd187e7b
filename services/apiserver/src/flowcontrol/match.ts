import type { UserInfo } from '../authn/user';
import type { RequestInfo } from '../endpoints/request-info';
import type {
  FlowSchema,
  NonResourcePolicyRule,
  PolicyRulesWithSubjects,
  ResourcePolicyRule,
  Subject,
} from '../generated/k8s.io.api.flowcontrol.v1';

const SA_PREFIX = 'system:serviceaccount:';

/** `list` holds `value`, or the rule's wildcard. */
const holds = (list: readonly string[] | undefined, value: string, all: string): boolean =>
  (list ?? []).some((v) => v === all || v === value);

export function matchesSubject(subject: Subject, user: UserInfo): boolean {
  switch (subject.kind) {
    case 'User': {
      const name = subject.user?.name ?? '';
      return name === '*' || name === user.name;
    }
    case 'Group': {
      const name = subject.group?.name ?? '';
      return name === '*' || user.groups.includes(name);
    }
    case 'ServiceAccount': {
      const sa = subject.serviceAccount;
      if (!sa) return false;
      const prefix = `${SA_PREFIX}${sa.namespace ?? ''}:`;
      if (!user.name.startsWith(prefix)) return false;
      const name = user.name.slice(prefix.length);
      return name !== '' && !name.includes(':') && (sa.name === '*' || sa.name === name);
    }
    default:
      return false;
  }
}

export function matchesResourceRule(rule: ResourcePolicyRule, info: RequestInfo): boolean {
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (!holds(rule.verbs, info.verb, '*')) return false;
  if (!holds(rule.apiGroups, info.apiGroup, '*')) return false;
  if (!holds(rule.resources, resource, '*')) return false;
  // a cluster-scoped request (no namespace) is only matched by rules that say so
  if (info.namespace === '') return rule.clusterScope === true;
  return holds(rule.namespaces, info.namespace, '*');
}

/** "/apis/*" covers /apis, /apis/ and everything below; anything else must be equal. */
function matchesURL(pattern: string, path: string): boolean {
  if (pattern === '*' || pattern === path) return true;
  if (!pattern.endsWith('/*')) return false;
  const prefix = pattern.slice(0, -1);
  return path.startsWith(prefix) || path === prefix.slice(0, -1);
}

export function matchesNonResourceRule(rule: NonResourcePolicyRule, info: RequestInfo): boolean {
  return holds(rule.verbs, info.verb, '*') && (rule.nonResourceURLs ?? []).some((p) => matchesURL(p, info.path));
}

export function matchesPolicyRule(rule: PolicyRulesWithSubjects, user: UserInfo, info: RequestInfo): boolean {
  if (!(rule.subjects ?? []).some((s) => matchesSubject(s, user))) return false;
  if (info.isResourceRequest) return (rule.resourceRules ?? []).some((r) => matchesResourceRule(r, info));
  return (rule.nonResourceRules ?? []).some((r) => matchesNonResourceRule(r, info));
}

export function matchesFlowSchema(fs: FlowSchema, user: UserInfo, info: RequestInfo): boolean {
  return (fs.spec?.rules ?? []).some((r) => matchesPolicyRule(r, user, info));
}

/** Evaluation order: lowest matchingPrecedence first, then by name. */
export function compareFlowSchemas(a: FlowSchema, b: FlowSchema): number {
  const pa = a.spec?.matchingPrecedence ?? 1000;
  const pb = b.spec?.matchingPrecedence ?? 1000;
  if (pa !== pb) return pa - pb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The flow's distinguisher: the user's name, the request's namespace, or nothing. */
export function flowDistinguisher(fs: FlowSchema, user: UserInfo, info: RequestInfo): string {
  switch (fs.spec?.distinguisherMethod?.type) {
    case 'ByUser':
      return user.name;
    case 'ByNamespace':
      return info.namespace;
    default:
      return '';
  }
}
