import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from '../../generated/k8s.io.api.rbac.v1';
import {
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  CONTROLLER_ROLES,
  NAMESPACE_ROLE_BINDINGS,
  NAMESPACE_ROLES,
  type BindingFact,
  type ClusterRoleFact,
  type RuleFact,
} from './bootstrap-data';
import { AUTOUPDATE_ANNOTATION } from './reconcile';

export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const API_VERSION = `${RBAC_GROUP}/v1`;
const CONTROLLER_PREFIX = 'system:controller:';

/** Upstream's rule builder sorts every list, so the stored rules are sorted too. */
function list(spaced: string, core = false): string[] {
  return spaced
    .split(' ')
    .filter((s) => s !== '')
    .map((s) => (core && s === 'core' ? '' : s))
    .sort();
}

export function expandRule(fact: RuleFact): PolicyRule {
  if (!Array.isArray(fact)) return { verbs: list(fact.verbs), nonResourceURLs: list(fact.urls) };
  const [verbs, groups, resources, names] = fact;
  const rule: PolicyRule = { verbs: list(verbs), apiGroups: list(groups, true), resources: list(resources) };
  if (names) rule.resourceNames = list(names);
  return rule;
}

function metadata(name: string, extraLabels: Record<string, string> = {}, namespace?: string) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...extraLabels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

function clusterRole(fact: ClusterRoleFact, name: string): ClusterRole {
  const role: ClusterRole = {
    apiVersion: API_VERSION,
    kind: 'ClusterRole',
    metadata: metadata(name, fact.labels),
  };
  // aggregated roles start without rules: the aggregation controller fills them in
  if (!fact.aggregateFrom) role.rules = fact.rules.map(expandRule);
  if (fact.aggregateFrom) {
    role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [fact.aggregateFrom]: 'true' } }] };
  }
  return role;
}

function subject(spec: string): Subject {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (kind === 'ServiceAccount') {
    const [namespace, name] = rest.split('/');
    return { kind, name, namespace };
  }
  return { kind, apiGroup: RBAC_GROUP, name: rest };
}

function roleRef(spec: string) {
  const colon = spec.indexOf(':');
  return { apiGroup: RBAC_GROUP, kind: spec.slice(0, colon), name: spec.slice(colon + 1) };
}

function binding(fact: BindingFact) {
  const b: { roleRef: ReturnType<typeof roleRef>; subjects?: Subject[] } = { roleRef: roleRef(fact.roleRef) };
  if (fact.subjects.length > 0) b.subjects = fact.subjects.map(subject);
  return b;
}

/** The ClusterRoles of cluster-roles.yaml (admin, edit, view aggregate and so start without rules). */
export function bootstrapClusterRoles(): ClusterRole[] {
  return CLUSTER_ROLES.map((f) => clusterRole(f, f.name));
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return CLUSTER_ROLE_BINDINGS.map((f) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: metadata(f.name),
    ...binding(f),
  }));
}

export function bootstrapControllerRoles(): ClusterRole[] {
  return CONTROLLER_ROLES.map((f) => clusterRole(f, CONTROLLER_PREFIX + f.name));
}

export function bootstrapControllerRoleBindings(): ClusterRoleBinding[] {
  return CONTROLLER_ROLES.map((f) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: metadata(CONTROLLER_PREFIX + f.name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: CONTROLLER_PREFIX + f.name },
    subjects: [{ kind: 'ServiceAccount', name: f.name, namespace: 'kube-system' }],
  }));
}

export function bootstrapNamespaceRoles(): Role[] {
  return NAMESPACE_ROLES.map((f) => ({
    apiVersion: API_VERSION,
    kind: 'Role',
    metadata: metadata(f.name, {}, f.namespace),
    rules: f.rules.map(expandRule),
  }));
}

export function bootstrapNamespaceRoleBindings(): RoleBinding[] {
  return NAMESPACE_ROLE_BINDINGS.map((f) => ({
    apiVersion: API_VERSION,
    kind: 'RoleBinding',
    metadata: metadata(f.name, {}, f.namespace),
    ...binding(f),
  }));
}

/** Everything kube-apiserver's post-start hook ensures, in the order it writes them. */
export interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  roles: Role[];
  roleBindings: RoleBinding[];
}

export function bootstrapPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [...bootstrapClusterRoles(), ...bootstrapControllerRoles()],
    clusterRoleBindings: [...bootstrapClusterRoleBindings(), ...bootstrapControllerRoleBindings()],
    roles: bootstrapNamespaceRoles(),
    roleBindings: bootstrapNamespaceRoleBindings(),
  };
}

/** The rules the Node authorizer applies to nodes beyond its graph checks: system:node's. */
export function nodeRules(): PolicyRule[] {
  return bootstrapClusterRoles().find((r) => r.metadata?.name === 'system:node')?.rules ?? [];
}
