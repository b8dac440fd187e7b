import type { FieldError } from '../../api/errors';
import type { ObjectMeta } from '../../api/object';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from '../../generated/k8s.io.api.rbac.v1';
import { child, GoValue, goQuote, index, invalid, notSupported, required } from '../../registry/validation/field';
import { asLabelSelector, isConvertibleSelector, validateLabelSelector } from '../../registry/validation/labelselector';
import { isDNS1123Subdomain, validatePathSegmentName } from '../../registry/validation/names';
import { validateObjectMetaCreate, validateObjectMetaUpdate } from '../../registry/validation/objectmeta';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** RBAC names only need to be usable as one URL path segment (`system:controller:x` is fine). */
export const validateRbacName = validatePathSegmentName;

function meta(obj: { metadata?: unknown }): ObjectMeta | undefined {
  return obj.metadata as ObjectMeta | undefined;
}

function goStringSlice(values: readonly string[]): GoValue {
  return new GoValue(`[]string{${values.map(goQuote).join(', ')}}`);
}

/** upstream's ValidatePolicyRule. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0)
    errs.push(required(child(path, 'verbs'), 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) {
      errs.push(
        invalid(
          child(path, 'nonResourceURLs'),
          goStringSlice(urls),
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    }
    if ((rule.apiGroups ?? []).length || (rule.resources ?? []).length || (rule.resourceNames ?? []).length) {
      errs.push(
        invalid(
          child(path, 'nonResourceURLs'),
          goStringSlice(urls),
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if ((rule.apiGroups ?? []).length === 0) {
    errs.push(required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  }
  if ((rule.resources ?? []).length === 0) {
    errs.push(required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  }
  return errs;
}

function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, index('rules', i)));
}

export function validateRole(role: Role): FieldError[] {
  return [
    ...validateObjectMetaCreate(meta(role), { namespaced: true, nameValidator: validateRbacName }),
    ...validateRules(role.rules, true),
  ];
}

export function validateRoleUpdate(role: Role, old: Role): FieldError[] {
  return [...validateRole(role), ...validateObjectMetaUpdate(meta(role), meta(old))];
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = [
    ...validateObjectMetaCreate(meta(role), { namespaced: false, nameValidator: validateRbacName }),
    ...validateRules(role.rules, false),
  ];
  if (role.aggregationRule) {
    const selectors = role.aggregationRule.clusterRoleSelectors ?? [];
    const path = 'aggregationRule.clusterRoleSelectors';
    if (selectors.length === 0) {
      errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((s, i) => {
      const selector = asLabelSelector(s) ?? {};
      errs.push(...validateLabelSelector(selector, index(path, i)));
      // upstream reports the failed conversion too, with the nil selector it got back
      if (!isConvertibleSelector(selector)) errs.push(invalid(index(path, i), null, 'invalid label selector.'));
    });
  }
  return errs;
}

export function validateClusterRoleUpdate(role: ClusterRole, old: ClusterRole): FieldError[] {
  return [...validateClusterRole(role), ...validateObjectMetaUpdate(meta(role), meta(old))];
}

/** upstream's ValidateRoleBindingSubject; cluster bindings must name a service account's namespace. */
export function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s.name ?? '';
  const apiGroup = s.apiGroup ?? '';
  if (name === '') errs.push(required(child(path, 'name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(path, 'name'), name, msg));
      if (apiGroup !== '') errs.push(notSupported(child(path, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(child(path, 'apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(
  b: RoleBinding | ClusterRoleBinding,
  namespaced: boolean,
  kinds: readonly string[],
): FieldError[] {
  const errs = validateObjectMetaCreate(meta(b), { namespaced, nameValidator: validateRbacName });
  const ref = b.roleRef ?? {};
  if ((ref.apiGroup ?? '') !== RBAC_GROUP)
    errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(ref.kind ?? '')) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const refName = ref.name ?? '';
  if (refName === '') errs.push(required('roleRef.name'));
  else for (const msg of validateRbacName(refName, false)) errs.push(invalid('roleRef.name', refName, msg));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, index('subjects', i))));
  return errs;
}

export function validateRoleBinding(b: RoleBinding): FieldError[] {
  return validateBinding(b, true, ['Role', 'ClusterRole']);
}

export function validateClusterRoleBinding(b: ClusterRoleBinding): FieldError[] {
  return validateBinding(b, false, ['ClusterRole']);
}

/** Go's %#v of the internal rbac.RoleRef, as 1.32's field errors print structs. */
function goRoleRef(b: RoleBinding | ClusterRoleBinding): GoValue {
  const r = b.roleRef ?? {};
  return new GoValue(
    `rbac.RoleRef{APIGroup:${goQuote(r.apiGroup ?? '')}, Kind:${goQuote(r.kind ?? '')}, Name:${goQuote(r.name ?? '')}}`,
  );
}

function roleRefChanged(b: RoleBinding | ClusterRoleBinding, old: RoleBinding | ClusterRoleBinding): boolean {
  const x = b.roleRef ?? {};
  const y = old.roleRef ?? {};
  return (
    (x.apiGroup ?? '') !== (y.apiGroup ?? '') || (x.kind ?? '') !== (y.kind ?? '') || (x.name ?? '') !== (y.name ?? '')
  );
}

export function validateRoleBindingUpdate(b: RoleBinding, old: RoleBinding): FieldError[] {
  const errs = [...validateRoleBinding(b), ...validateObjectMetaUpdate(meta(b), meta(old))];
  if (roleRefChanged(b, old)) errs.push(invalid('roleRef', goRoleRef(b), 'cannot change roleRef'));
  return errs;
}

export function validateClusterRoleBindingUpdate(b: ClusterRoleBinding, old: ClusterRoleBinding): FieldError[] {
  const errs = [...validateClusterRoleBinding(b), ...validateObjectMetaUpdate(meta(b), meta(old))];
  if (roleRefChanged(b, old)) errs.push(invalid('roleRef', goRoleRef(b), 'cannot change roleRef'));
  return errs;
}

/** rbac/v1 defaulting: User/Group subjects and roleRefs get the RBAC API group when left empty. */
export function defaultBinding<T extends RoleBinding | ClusterRoleBinding>(b: T): T {
  const roleRef = b.roleRef ? { ...b.roleRef, apiGroup: b.roleRef.apiGroup || RBAC_GROUP } : b.roleRef;
  const subjects = b.subjects?.map((s) =>
    !s.apiGroup && (s.kind === 'User' || s.kind === 'Group') ? { ...s, apiGroup: RBAC_GROUP } : s,
  );
  const out = { ...b };
  if (roleRef) out.roleRef = roleRef;
  if (subjects) out.subjects = subjects;
  return out;
}
