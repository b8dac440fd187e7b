import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from '../../generated/k8s.io.api.rbac.v1';
import { SERVICE_ACCOUNT_PREFIX, type UserInfo } from '../types';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;
type Binding = RoleBinding | ClusterRoleBinding;

/** Which binding granted a rule, and through which of its subjects. */
export interface RuleSource {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  binding: Binding;
  subject: Subject;
}

/** Return false to stop the walk. `err` reports a roleRef that did not resolve. */
export type RuleVisitor = (
  source: RuleSource | undefined,
  rule: PolicyRule | undefined,
  err: Error | undefined,
) => boolean;

/**
 * How a missing role is named: the authorizer reads through listers, whose
 * NotFound names the singular resource; the escalation checks in the registry
 * read through storage, whose NotFound names the plural one.
 */
export type NotFoundStyle = 'lister' | 'registry';

export class RoleRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoleRefError';
  }
}

/** upstream's rbac source describer text, e.g. `ClusterRoleBinding "x" of ClusterRole "y" to User "z"` */
export function describeSource(source: RuleSource): string {
  const b = source.binding;
  const name = b.metadata?.name ?? '';
  const ns = b.metadata?.namespace ?? '';
  const ref = `${b.roleRef?.kind ?? ''} ${JSON.stringify(b.roleRef?.name ?? '')}`;
  if (source.kind === 'ClusterRoleBinding') {
    return `ClusterRoleBinding ${JSON.stringify(name)} of ${ref} to ${describeSubject(source.subject, '')}`;
  }
  return `RoleBinding ${JSON.stringify(`${name}/${ns}`)} of ${ref} to ${describeSubject(source.subject, ns)}`;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') {
    return `${s.kind} ${JSON.stringify(`${s.name ?? ''}/${s.namespace || bindingNamespace}`)}`;
  }
  return `${s.kind ?? ''} ${JSON.stringify(s.name ?? '')}`;
}

/** Whether one subject names the user; an unqualified ServiceAccount means the binding's namespace. */
export function subjectAppliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name ?? '');
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      if (!ns) return false;
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name ?? ''}`;
    }
    default:
      return false;
  }
}

function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return `u:${s.name ?? ''}`;
    case 'Group':
      return `g:${s.name ?? ''}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `s:${ns}:${s.name ?? ''}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Every index key under which a binding naming this user is filed. */
function userKeys(user: UserInfo): string[] {
  const keys = [`u:${user.name}`];
  for (const g of user.groups) keys.push(`g:${g}`);
  // a service account username is `<prefix><ns>:<name>`; try each split as upstream's MatchesUsername would accept
  if (user.name.startsWith(SERVICE_ACCOUNT_PREFIX)) keys.push(`s:${user.name.slice(SERVICE_ACCOUNT_PREFIX.length)}`);
  return keys;
}

/** Binding keys filed by subject key, so a lookup touches only the bindings naming the user. */
class SubjectIndex {
  private readonly byKey = new Map<string, Set<string>>();

  add(bindingKey: string, binding: Binding, bindingNamespace: string): void {
    for (const s of binding.subjects ?? []) {
      const k = subjectKey(s, bindingNamespace);
      if (k === undefined) continue;
      let set = this.byKey.get(k);
      if (!set) this.byKey.set(k, (set = new Set()));
      set.add(bindingKey);
    }
  }

  delete(bindingKey: string, binding: Binding, bindingNamespace: string): void {
    for (const s of binding.subjects ?? []) {
      const k = subjectKey(s, bindingNamespace);
      if (k === undefined) continue;
      const set = this.byKey.get(k);
      if (!set) continue;
      set.delete(bindingKey);
      if (set.size === 0) this.byKey.delete(k);
    }
  }

  candidates(user: UserInfo): string[] {
    const out = new Set<string>();
    for (const k of userKeys(user)) for (const b of this.byKey.get(k) ?? []) out.add(b);
    // sorted so the binding named in a reason does not depend on feed order
    return [...out].sort();
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }
}

/** Counters that let tests assert how much work a decision took without timing it. */
export interface IndexWork {
  bindingsExamined: number;
  rulesVisited: number;
  roleResolutions: number;
}

/**
 * Roles, ClusterRoles and their bindings as the watch caches last reported
 * them. Objects are kept by reference and must not be mutated after upsert.
 */
export class RuleIndex {
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly roleBindings = new Map<string, RoleBinding>();
  private readonly clusterRoleBindings = new Map<string, ClusterRoleBinding>();
  private readonly clusterSubjects = new SubjectIndex();
  private readonly namespaceSubjects = new Map<string, SubjectIndex>();
  /** roleRef key -> rules; dropped when the role changes */
  private readonly ruleCache = new Map<string, PolicyRule[]>();
  readonly work: IndexWork = { bindingsExamined: 0, rulesVisited: 0, roleResolutions: 0 };
  /** Bumped on every change, so answers derived from the index can be cached against it. */
  generation = 0;

  upsert(kind: RbacKind, obj: RbacObject): void {
    this.generation++;
    const name = obj.metadata?.name ?? '';
    const ns = obj.metadata?.namespace ?? '';
    switch (kind) {
      case 'Role':
        this.roles.set(`${ns}/${name}`, obj as Role);
        this.ruleCache.delete(`Role:${ns}/${name}`);
        return;
      case 'ClusterRole':
        this.clusterRoles.set(name, obj as ClusterRole);
        this.ruleCache.delete(`ClusterRole:${name}`);
        return;
      case 'RoleBinding': {
        const key = `${ns}/${name}`;
        this.removeRoleBinding(key, ns);
        this.roleBindings.set(key, obj as RoleBinding);
        let idx = this.namespaceSubjects.get(ns);
        if (!idx) this.namespaceSubjects.set(ns, (idx = new SubjectIndex()));
        idx.add(key, obj as RoleBinding, ns);
        return;
      }
      case 'ClusterRoleBinding':
        this.removeClusterRoleBinding(name);
        this.clusterRoleBindings.set(name, obj as ClusterRoleBinding);
        this.clusterSubjects.add(name, obj as ClusterRoleBinding, '');
        return;
    }
  }

  remove(kind: RbacKind, namespace: string, name: string): void {
    this.generation++;
    switch (kind) {
      case 'Role':
        this.roles.delete(`${namespace}/${name}`);
        this.ruleCache.delete(`Role:${namespace}/${name}`);
        return;
      case 'ClusterRole':
        this.clusterRoles.delete(name);
        this.ruleCache.delete(`ClusterRole:${name}`);
        return;
      case 'RoleBinding':
        this.removeRoleBinding(`${namespace}/${name}`, namespace);
        return;
      case 'ClusterRoleBinding':
        this.removeClusterRoleBinding(name);
        return;
    }
  }

  private removeRoleBinding(key: string, ns: string): void {
    const old = this.roleBindings.get(key);
    if (!old) return;
    this.roleBindings.delete(key);
    const idx = this.namespaceSubjects.get(ns);
    if (!idx) return;
    idx.delete(key, old, ns);
    if (idx.empty) this.namespaceSubjects.delete(ns);
  }

  private removeClusterRoleBinding(name: string): void {
    const old = this.clusterRoleBindings.get(name);
    if (!old) return;
    this.clusterRoleBindings.delete(name);
    this.clusterSubjects.delete(name, old, '');
  }

  getRole(namespace: string, name: string): Role | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }

  getClusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name);
  }

  listClusterRoles(): ClusterRole[] {
    return [...this.clusterRoles.values()];
  }

  /** upstream's GetRoleReferenceRules; throws RoleRefError with upstream's text when it cannot resolve. */
  roleReferenceRules(
    ref: RoleRef | undefined,
    bindingNamespace: string,
    style: NotFoundStyle = 'lister',
  ): PolicyRule[] {
    const kind = ref?.kind ?? '';
    const name = ref?.name ?? '';
    const cacheKey = kind === 'Role' ? `Role:${bindingNamespace}/${name}` : `ClusterRole:${name}`;
    const cached = this.ruleCache.get(cacheKey);
    if (cached && (kind === 'Role' || kind === 'ClusterRole')) return cached;
    this.work.roleResolutions++;
    let rules: PolicyRule[];
    if (kind === 'Role') {
      const role = this.roles.get(`${bindingNamespace}/${name}`);
      if (!role) throw new RoleRefError(notFound('role', style, name));
      rules = role.rules ?? [];
    } else if (kind === 'ClusterRole') {
      const role = this.clusterRoles.get(name);
      if (!role) throw new RoleRefError(notFound('clusterrole', style, name));
      rules = role.rules ?? [];
    } else {
      throw new RoleRefError(`unsupported role reference kind: ${JSON.stringify(kind)}`);
    }
    this.ruleCache.set(cacheKey, rules);
    return rules;
  }

  /**
   * upstream's VisitRulesFor: cluster role bindings first, then, for a
   * namespaced request, the role bindings of that namespace.
   */
  visitRulesFor(user: UserInfo, namespace: string, visitor: RuleVisitor, style: NotFoundStyle = 'lister'): void {
    for (const name of this.clusterSubjects.candidates(user)) {
      const binding = this.clusterRoleBindings.get(name);
      if (!binding) continue;
      if (!this.visitBinding('ClusterRoleBinding', binding, user, '', visitor, style)) return;
    }
    if (!namespace) return;
    const idx = this.namespaceSubjects.get(namespace);
    if (!idx) return;
    for (const key of idx.candidates(user)) {
      const binding = this.roleBindings.get(key);
      if (!binding) continue;
      if (!this.visitBinding('RoleBinding', binding, user, namespace, visitor, style)) return;
    }
  }

  private visitBinding(
    kind: RuleSource['kind'],
    binding: Binding,
    user: UserInfo,
    namespace: string,
    visitor: RuleVisitor,
    style: NotFoundStyle,
  ): boolean {
    this.work.bindingsExamined++;
    const subject = (binding.subjects ?? []).find((s) => subjectAppliesTo(user, s, namespace));
    if (!subject) return true;
    let rules: PolicyRule[];
    try {
      rules = this.roleReferenceRules(binding.roleRef, namespace, style);
    } catch (err) {
      return visitor(undefined, undefined, err as Error);
    }
    const source: RuleSource = { kind, binding, subject };
    for (const rule of rules) {
      this.work.rulesVisited++;
      if (!visitor(source, rule, undefined)) return false;
    }
    return true;
  }

  get size(): { roles: number; clusterRoles: number; roleBindings: number; clusterRoleBindings: number } {
    return {
      roles: this.roles.size,
      clusterRoles: this.clusterRoles.size,
      roleBindings: this.roleBindings.size,
      clusterRoleBindings: this.clusterRoleBindings.size,
    };
  }
}

function notFound(singular: 'role' | 'clusterrole', style: NotFoundStyle, name: string): string {
  const resource = style === 'lister' ? singular : `${singular}s`;
  return `${resource}.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`;
}
