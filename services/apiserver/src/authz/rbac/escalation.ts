import { StatusError } from '../../api/errors';
import { semanticEqual } from '../../registry/validation/objectmeta';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
} from '../../generated/k8s.io.api.rbac.v1';
import { SYSTEM_MASTERS, type Authorizer, type UserInfo } from '../types';
import { compactRules, compactString, covers, goQuotedList } from './covers';
import { RoleRefError, type RuleIndex } from './rule-index';
import { policyRulesFor } from './rules-for';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** What cluster-admin holds; setting an aggregationRule requires all of it. */
export const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * upstream's ConfirmNoEscalation: the user must already hold every rule they
 * grant, in the namespace of the object (cluster-wide rules count everywhere).
 * Returns the error text, or undefined when nothing is escalated.
 */
export function confirmNoEscalation(
  index: RuleIndex,
  user: UserInfo,
  rules: readonly PolicyRule[],
  namespace: string,
): string | undefined {
  const owner = policyRulesFor(index, user, namespace, 'registry');
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg =
    `user ${JSON.stringify(user.name)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n` +
    lines.join('\n');
  if (owner.errors.length > 0) msg += `; resolution errors: [${owner.errors.join(' ')}]`;
  return msg;
}

/** system:masters is what the server's own loopback client uses, so it may always escalate. */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}

function forbidden(resource: string, name: string, message: string): StatusError {
  return new StatusError(
    403,
    'Forbidden',
    `${resource}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${message}`,
    {
      name: name || undefined,
      group: RBAC_GROUP,
      kind: resource,
    },
  );
}

/** upstream's IsOnlyMutatingGCFields: only ownerReferences, finalizers, selfLink or managedFields differ. */
export function isOnlyMutatingGCFields(obj: object, old: object | undefined): boolean {
  if (!old) return false;
  const o = old as { metadata?: Record<string, unknown> };
  const n = obj as { metadata?: Record<string, unknown> };
  const meta: Record<string, unknown> = { ...(n.metadata ?? {}) };
  for (const f of ['ownerReferences', 'finalizers', 'selfLink', 'managedFields']) meta[f] = o.metadata?.[f];
  return semanticEqual({ ...n, metadata: meta }, old);
}

export interface WriteContext {
  user: UserInfo;
  /** the namespace of the request ('' for cluster-scoped kinds) */
  namespace: string;
}

/**
 * The checks kube-apiserver's RBAC storage runs before a create or update of
 * roles and bindings: privilege escalation and binding of roles the writer
 * may not hand out. Each returns the 403 to send, or undefined.
 */
export class EscalationGuard {
  constructor(
    private readonly index: RuleIndex,
    /** the server's whole authorizer chain, asked about the `escalate` and `bind` verbs */
    private readonly authorizer: Authorizer,
  ) {}

  private roleEscalationAuthorized(ctx: WriteContext, resource: 'roles' | 'clusterroles', name: string): boolean {
    const r = this.authorizer.authorize({
      user: ctx.user,
      verb: 'escalate',
      isResourceRequest: true,
      path: '',
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      subresource: '',
      namespace: ctx.namespace,
      name,
    });
    return r.decision === 'allow';
  }

  /** upstream's BindingAuthorized: the `bind` verb on the referenced role, checked in the binding's namespace. */
  bindingAuthorized(user: UserInfo, ref: RoleRef | undefined, bindingNamespace: string): boolean {
    let resource: string;
    if (ref?.kind === 'ClusterRole') resource = 'clusterroles';
    else if (ref?.kind === 'Role') resource = 'roles';
    else return false;
    const r = this.authorizer.authorize({
      user,
      verb: 'bind',
      isResourceRequest: true,
      path: '',
      apiGroup: ref.apiGroup ?? '',
      apiVersion: '',
      resource,
      subresource: '',
      namespace: bindingNamespace,
      name: ref.name ?? '',
    });
    return r.decision === 'allow';
  }

  checkRole(ctx: WriteContext, role: Role, old?: Role): StatusError | undefined {
    const name = role.metadata?.name ?? '';
    if (old && isOnlyMutatingGCFields(role, old)) return undefined;
    if (escalationAllowed(ctx.user) || this.roleEscalationAuthorized(ctx, 'roles', name)) return undefined;
    const err = confirmNoEscalation(this.index, ctx.user, role.rules ?? [], ctx.namespace);
    return err === undefined ? undefined : forbidden('roles', name, err);
  }

  checkClusterRole(ctx: WriteContext, role: ClusterRole, old?: ClusterRole): StatusError | undefined {
    const name = role.metadata?.name ?? '';
    if (old && isOnlyMutatingGCFields(role, old)) return undefined;
    if (escalationAllowed(ctx.user) || this.roleEscalationAuthorized(ctx, 'clusterroles', name)) return undefined;
    const err = confirmNoEscalation(this.index, ctx.user, role.rules ?? [], '');
    if (err !== undefined) return forbidden('clusterroles', name, err);
    // an aggregationRule can gather anything, so setting or changing one takes cluster-admin
    const touchesAggregation = old
      ? (role.aggregationRule || old.aggregationRule) && !semanticEqual(role.aggregationRule, old.aggregationRule)
      : role.aggregationRule !== undefined && role.aggregationRule !== null;
    if (touchesAggregation && confirmNoEscalation(this.index, ctx.user, FULL_AUTHORITY, '') !== undefined) {
      return forbidden('clusterroles', name, 'must have cluster-admin privileges to use the aggregationRule');
    }
    return undefined;
  }

  checkRoleBinding(ctx: WriteContext, binding: RoleBinding, old?: RoleBinding): StatusError | undefined {
    return this.checkBinding('rolebindings', ctx, binding, binding.metadata?.namespace ?? ctx.namespace, old);
  }

  checkClusterRoleBinding(
    ctx: WriteContext,
    binding: ClusterRoleBinding,
    old?: ClusterRoleBinding,
  ): StatusError | undefined {
    return this.checkBinding('clusterrolebindings', ctx, binding, '', old);
  }

  private checkBinding(
    resource: string,
    ctx: WriteContext,
    binding: RoleBinding | ClusterRoleBinding,
    bindingNamespace: string,
    old: RoleBinding | ClusterRoleBinding | undefined,
  ): StatusError | undefined {
    const name = binding.metadata?.name ?? '';
    if (old && isOnlyMutatingGCFields(binding, old)) return undefined;
    if (escalationAllowed(ctx.user)) return undefined;
    if (this.bindingAuthorized(ctx.user, binding.roleRef, bindingNamespace)) return undefined;
    let rules: PolicyRule[];
    try {
      rules = this.index.roleReferenceRules(binding.roleRef, bindingNamespace, 'registry');
    } catch (e) {
      if (e instanceof RoleRefError) return forbidden(resource, name, e.message);
      throw e;
    }
    const err = confirmNoEscalation(this.index, ctx.user, rules, bindingNamespace);
    return err === undefined ? undefined : forbidden(resource, name, err);
  }
}
