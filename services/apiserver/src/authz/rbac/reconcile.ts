import type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from '../../generated/k8s.io.api.rbac.v1';
import type { LabelSelector } from '../../generated/k8s.io.apimachinery.pkg.apis.meta.v1';
import { semanticEqual } from '../../registry/validation/objectmeta';
import { covers } from './covers';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

export type ReconcileOperation = 'create' | 'update' | 'recreate';

/** What to write: `recreate` means delete the existing binding and create this one (roleRef is immutable). */
export interface ReconcileResult<T> {
  operation: ReconcileOperation;
  object: T;
}

type RoleLike = Role | ClusterRole;
type BindingLike = RoleBinding | ClusterRoleBinding;

function isProtected(existing: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
}

/** Existing keys win: an operator's edits of bootstrap labels and annotations stay. */
function mergeMaps(
  expected: Record<string, string> | undefined,
  existing: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!expected && !existing) return existing;
  return { ...(expected ?? {}), ...(existing ?? {}) };
}

function mergeMeta<T extends RoleLike | BindingLike>(existing: T, expected: T): { object: T; changed: boolean } {
  const meta = { ...(existing.metadata ?? {}) };
  const annotations = mergeMaps(expected.metadata?.annotations, meta.annotations);
  const labels = mergeMaps(expected.metadata?.labels, meta.labels);
  const changed =
    !semanticEqual(annotations, existing.metadata?.annotations) || !semanticEqual(labels, existing.metadata?.labels);
  if (annotations) meta.annotations = annotations;
  if (labels) meta.labels = labels;
  return { object: { ...existing, metadata: meta }, changed };
}

function missingSelectors(
  existing: AggregationRule | undefined,
  expected: AggregationRule | undefined,
): LabelSelector[] {
  const have = existing?.clusterRoleSelectors ?? [];
  return (expected?.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => semanticEqual(h, s)));
}

/**
 * upstream's bootstrap role reconciliation in its union mode: create a missing
 * role; otherwise, unless the existing one is annotated autoupdate=false, add
 * the expected labels, annotations, rules and aggregation selectors it lacks,
 * keeping whatever was added to it. Undefined when nothing needs writing.
 */
export function reconcileRole<T extends RoleLike>(
  expected: T,
  existing: T | undefined,
): ReconcileResult<T> | undefined {
  if (!existing) return { operation: 'create', object: expected };
  if (isProtected(existing)) return undefined;
  const merged = mergeMeta(existing, expected);
  let changed = merged.changed;
  const result = merged.object as T & { aggregationRule?: AggregationRule; rules?: PolicyRule[] };
  const { missing } = covers(existing.rules ?? [], expected.rules ?? []);
  if (missing.length > 0) {
    result.rules = [...(existing.rules ?? []), ...missing];
    changed = true;
  }
  const expectedAgg = (expected as ClusterRole).aggregationRule;
  const existingAgg = (existing as ClusterRole).aggregationRule;
  const missingSel = missingSelectors(existingAgg, expectedAgg);
  if (!expectedAgg && existingAgg) {
    // the bootstrap role is no longer aggregated: stop gathering rules into it
    delete result.aggregationRule;
    changed = true;
  } else if (missingSel.length > 0) {
    result.aggregationRule = { clusterRoleSelectors: [...(existingAgg?.clusterRoleSelectors ?? []), ...missingSel] };
    changed = true;
  }
  return changed ? { operation: 'update', object: result } : undefined;
}

function sameRoleRef(a: BindingLike, b: BindingLike): boolean {
  const x = a.roleRef ?? {};
  const y = b.roleRef ?? {};
  return (
    (x.apiGroup ?? '') === (y.apiGroup ?? '') && (x.kind ?? '') === (y.kind ?? '') && (x.name ?? '') === (y.name ?? '')
  );
}

function sameSubject(a: Subject, b: Subject): boolean {
  return (
    (a.kind ?? '') === (b.kind ?? '') &&
    (a.apiGroup ?? '') === (b.apiGroup ?? '') &&
    (a.name ?? '') === (b.name ?? '') &&
    (a.namespace ?? '') === (b.namespace ?? '')
  );
}

/** Binding counterpart of reconcileRole: a changed roleRef means recreate, missing subjects are appended. */
export function reconcileBinding<T extends BindingLike>(
  expected: T,
  existing: T | undefined,
): ReconcileResult<T> | undefined {
  if (!existing) return { operation: 'create', object: expected };
  if (isProtected(existing)) return undefined;
  if (!sameRoleRef(expected, existing)) return { operation: 'recreate', object: expected };
  const merged = mergeMeta(existing, expected);
  const result = merged.object;
  const have = existing.subjects ?? [];
  const missing = (expected.subjects ?? []).filter((s) => !have.some((h) => sameSubject(h, s)));
  if (missing.length > 0) result.subjects = [...have, ...missing];
  return merged.changed || missing.length > 0 ? { operation: 'update', object: result } : undefined;
}
