import type { FieldError, StatusError } from '../../api/errors';
import type { WriteContext as GuardContext, EscalationGuard } from '../../authz/rbac/escalation';
import {
  defaultBinding,
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
} from '../../authz/rbac/validation';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../generated/k8s.io.api.rbac.v1';
import type { SecurityServices } from '../security';
import type { WriteContext } from '../strategy';
import { forStore, type KindStrategy } from './common';

type Check<T> = (guard: EscalationGuard, ctx: GuardContext, obj: T, old?: T) => StatusError | undefined;

interface RbacRules<T> {
  namespaced: boolean;
  validate(obj: T): FieldError[];
  validateUpdate(obj: T, old: T): FieldError[];
  check: Check<T>;
  applyDefaults?(obj: T): void;
}

/** defaultBinding returns a copy; strategies default the request object in place. */
function applyBindingDefaults(obj: RoleBinding | ClusterRoleBinding): void {
  const d = defaultBinding(obj);
  if (d.roleRef) obj.roleRef = d.roleRef;
  if (d.subjects) obj.subjects = d.subjects;
}

/**
 * Roles and bindings: upstream's validation, and its escalation prevention for
 * writes a user makes (the server's own writes, such as bootstrap policy, skip it).
 */
function rbacStrategy<T extends object>(rules: RbacRules<T>, security: SecurityServices): KindStrategy {
  const guarded = (ctx: WriteContext, obj: T, old?: T): void => {
    if (!ctx.user || !security.guard) return;
    const err = rules.check(security.guard, { user: ctx.user, namespace: ctx.namespace }, obj, old);
    if (err) throw err;
  };
  return forStore<T>({
    namespaced: rules.namespaced,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    applyDefaults: rules.applyDefaults,
    validate: rules.validate,
    validateUpdate: rules.validateUpdate,
    beginCreate: (obj, ctx) => guarded(ctx, obj),
    beginUpdate: (obj, old, ctx) => guarded(ctx, obj, old),
  });
}

export const roleStrategy = (s: SecurityServices): KindStrategy =>
  rbacStrategy<Role>(
    {
      namespaced: true,
      validate: validateRole,
      validateUpdate: validateRoleUpdate,
      check: (g, ctx, o, old) => g.checkRole(ctx, o, old),
    },
    s,
  );

export const clusterRoleStrategy = (s: SecurityServices): KindStrategy =>
  rbacStrategy<ClusterRole>(
    {
      namespaced: false,
      validate: validateClusterRole,
      validateUpdate: validateClusterRoleUpdate,
      check: (g, ctx, o, old) => g.checkClusterRole(ctx, o, old),
    },
    s,
  );

export const roleBindingStrategy = (s: SecurityServices): KindStrategy =>
  rbacStrategy<RoleBinding>(
    {
      namespaced: true,
      validate: validateRoleBinding,
      validateUpdate: validateRoleBindingUpdate,
      check: (g, ctx, o, old) => g.checkRoleBinding(ctx, o, old),
      applyDefaults: applyBindingDefaults,
    },
    s,
  );

export const clusterRoleBindingStrategy = (s: SecurityServices): KindStrategy =>
  rbacStrategy<ClusterRoleBinding>(
    {
      namespaced: false,
      validate: validateClusterRoleBinding,
      validateUpdate: validateClusterRoleBindingUpdate,
      check: (g, ctx, o, old) => g.checkClusterRoleBinding(ctx, o, old),
      applyDefaults: applyBindingDefaults,
    },
    s,
  );
