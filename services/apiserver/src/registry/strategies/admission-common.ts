import { CelCompileError, compileExpression } from '../../admission/cel/compile';
import type { FieldError } from '../../api/errors';
import type {
  MatchCondition,
  MatchResources,
  NamedRuleWithOperations,
  RuleWithOperations,
} from '../../generated/k8s.io.api.admissionregistration.v1';
import { child, duplicate, index, invalid, notSupported, required, tooMany } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isQualifiedName } from '../validation/names';

/** What admissionregistration.k8s.io/v1's webhooks and policies share: rules, match resources, CEL. */

export const FAILURE_POLICIES = ['Fail', 'Ignore'];
export const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const MAX_MATCH_CONDITIONS = 64;

/** SetDefaults_Rule: a rule without a scope matches both scopes. */
export function defaultRule(rule: RuleWithOperations | NamedRuleWithOperations): void {
  if (rule.scope === undefined || rule.scope === null) rule.scope = '*';
}

/** SetDefaults_MatchResources. */
export function defaultMatchResources(m: MatchResources): void {
  if (!m.matchPolicy) m.matchPolicy = 'Equivalent';
  if (!m.namespaceSelector) m.namespaceSelector = {};
  if (!m.objectSelector) m.objectSelector = {};
  for (const r of m.resourceRules ?? []) defaultRule(r);
  for (const r of m.excludeResourceRules ?? []) defaultRule(r);
}

const hasWildcard = (values: readonly string[]): boolean => values.includes('*');

function validateResources(resources: readonly string[], path: string): FieldError[] {
  if (resources.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  // resource to the subresources asked for it, for the wildcard rules
  const subs = new Map<string, Set<string>>();
  resources.forEach((r, i) => {
    if (r === '') {
      errs.push(required(index(path, i)));
      return;
    }
    if (r === '*/*' && resources.length > 1) {
      errs.push(invalid(index(path, i), r, "if '*/*' is present, must not specify other resources"));
    }
    const [res, sub = ''] = r.split('/', 2);
    if (res === '') errs.push(invalid(index(path, i), r, 'resource must be non-empty'));
    if (r.includes('/') && sub === '') errs.push(invalid(index(path, i), r, 'subresource must be non-empty'));
    const set = subs.get(res) ?? new Set<string>();
    set.add(sub);
    subs.set(res, set);
  });
  if (subs.get('*')?.has('') && resources.length > 1) {
    errs.push(invalid(path, resources, "if '*' is present, must not specify other resources without subresources"));
  }
  return errs;
}

export function validateRuleWithOperations(
  rule: RuleWithOperations | NamedRuleWithOperations,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const operations = rule.operations ?? [];
  if (operations.length === 0) errs.push(required(child(path, 'operations')));
  if (operations.length > 1 && hasWildcard(operations)) {
    errs.push(invalid(child(path, 'operations'), operations, "if '*' is present, must not specify other operations"));
  }
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(index(child(path, 'operations'), i), op, OPERATIONS));
  });
  const groups = rule.apiGroups ?? [];
  if (groups.length === 0) errs.push(required(child(path, 'apiGroups')));
  if (groups.length > 1 && hasWildcard(groups)) {
    errs.push(invalid(child(path, 'apiGroups'), groups, "if '*' is present, must not specify other API groups"));
  }
  const versions = rule.apiVersions ?? [];
  if (versions.length === 0) errs.push(required(child(path, 'apiVersions')));
  if (versions.length > 1 && hasWildcard(versions)) {
    errs.push(invalid(child(path, 'apiVersions'), versions, "if '*' is present, must not specify other API versions"));
  }
  versions.forEach((v, i) => {
    if (v === '') errs.push(required(index(child(path, 'apiVersions'), i)));
  });
  errs.push(...validateResources(rule.resources ?? [], child(path, 'resources')));
  if (rule.scope !== undefined && rule.scope !== null && !SCOPES.includes(rule.scope)) {
    errs.push(notSupported(child(path, 'scope'), rule.scope, SCOPES));
  }
  return errs;
}

export function validateSelectors(obj: { namespaceSelector?: unknown; objectSelector?: unknown }, path: string) {
  return [
    ...validateLabelSelector(asLabelSelector(obj.namespaceSelector), child(path, 'namespaceSelector')),
    ...validateLabelSelector(asLabelSelector(obj.objectSelector), child(path, 'objectSelector')),
  ];
}

export function validatePolicy(value: string | undefined, supported: string[], path: string): FieldError[] {
  if (value === undefined || value === '') return [required(path)];
  return supported.includes(value) ? [] : [notSupported(path, value, supported)];
}

/**
 * Why an expression does not compile in the Kubernetes CEL environment (its
 * libraries included), or undefined when it does: syntax and unknown names; the
 * objects are dyn, so most type errors show only when evaluated.
 */
export function celCompileError(expression: string): string | undefined {
  try {
    compileExpression(expression, {
      variables: {
        object: 'dyn',
        oldObject: 'dyn',
        request: 'dyn',
        params: 'dyn',
        namespaceObject: 'dyn',
        variables: 'map<string, dyn>',
        authorizer: 'kubernetes.authorization.Authorizer',
      },
    });
    return undefined;
  } catch (e) {
    return e instanceof CelCompileError || e instanceof Error ? e.message : String(e);
  }
}

/** An expression field: required, and it must compile; reported as upstream's "compilation failed". */
export function validateExpression(expression: string | undefined, path: string, what = 'expression'): FieldError[] {
  // blank counts as missing; the bad value shown is the expression as written
  if (!expression || expression.trim() === '') return [required(path, `${what} is not specified`)];
  const problem = celCompileError(expression.trim());
  return problem ? [invalid(path, expression, `compilation failed: ${problem.split('\n')[0]}`)] : [];
}

export function validateMatchConditions(conditions: readonly MatchCondition[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (conditions.length > MAX_MATCH_CONDITIONS) errs.push(tooMany(path, conditions.length, MAX_MATCH_CONDITIONS));
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const at = index(path, i);
    const name = c.name ?? '';
    if (name === '') errs.push(required(child(at, 'name')));
    else {
      for (const msg of isQualifiedName(name)) errs.push(invalid(child(at, 'name'), name, msg));
      if (seen.has(name)) errs.push(duplicate(child(at, 'name'), name));
      seen.add(name);
    }
    errs.push(...validateExpression(c.expression, child(at, 'expression')));
  });
  return errs;
}

/** matchConstraints (policies) and matchResources (bindings). */
export function validateMatchResources(m: MatchResources, path: string, requireRules: boolean): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validatePolicy(m.matchPolicy, MATCH_POLICIES, child(path, 'matchPolicy')));
  errs.push(...validateSelectors(m, path));
  const rules = m.resourceRules ?? [];
  if (requireRules && rules.length === 0) errs.push(required(child(path, 'resourceRules')));
  rules.forEach((r, i) => errs.push(...validateRuleWithOperations(r, index(child(path, 'resourceRules'), i))));
  (m.excludeResourceRules ?? []).forEach((r, i) =>
    errs.push(...validateRuleWithOperations(r, index(child(path, 'excludeResourceRules'), i))),
  );
  return errs;
}
