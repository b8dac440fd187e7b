import type { KubeObject } from '../../api/object';
import type { ResourceQuota, ScopedResourceSelectorRequirement } from '../../generated/k8s.io.api.core.v1';
import type { AdmissionOperation } from '../interface';
import { goFormatScopes, type LimitedResource } from './config';
import type { QuotaEvaluator } from './evaluator';
import {
  add,
  exceededNames,
  mask,
  negativeNames,
  parseResourceList,
  prettyPrint,
  prettyPrintNames,
  removeZeros,
  subtractNonNegative,
  type ResourceList,
} from './resource-list';

/** A refusal of the request; the plugin makes it a 403 Forbidden with this text. */
export class QuotaRefusal extends Error {}

/** A quota's scopes as selector expressions: each listed scope is an Exists expression. */
export function quotaScopeSelectors(q: ResourceQuota): ScopedResourceSelectorRequirement[] {
  return [
    ...(q.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(q.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

/** Upstream's generic.Matches: the quota limits something this evaluator counts, and the object is in every scope. */
export function quotaMatches(q: ResourceQuota, ev: QuotaEvaluator, obj: KubeObject): boolean {
  const hard = Object.keys(q.status?.hard ?? {});
  if (ev.matchingResources(hard).length === 0) return false;
  return quotaScopeSelectors(q).every((s) => ev.matchesScope(s, obj));
}

export interface QuotaRequest {
  operation: AdmissionOperation;
  subresource: string;
  object: KubeObject;
  oldObject?: KubeObject;
  nowMs: number;
}

/** What one quota must be charged for the request. */
export interface PlannedCharge {
  quotaName: string;
  delta: ResourceList;
}

/** An error upstream returns as it is, not as a refusal: a 500 without a reason. */
export class QuotaFailure extends Error {}

/** The scopes of the limited resources the object falls in. */
function limitedScopesOf(ev: QuotaEvaluator, obj: KubeObject, limited: readonly LimitedResource[]) {
  return limited.flatMap((l) => l.matchScopes.filter((s) => ev.matchesScope(s, obj)));
}

/** The names the object consumes that a limited resource entry says must be covered by a quota. */
function limitedNamesOf(ev: QuotaEvaluator, obj: KubeObject, limited: readonly LimitedResource[], nowMs: number) {
  const mine = limited.filter((l) => l.apiGroup === ev.groupResource.group && l.resource === ev.groupResource.resource);
  if (mine.length === 0) return [];
  const out = new Set<string>();
  for (const [k, v] of ev.usage(obj, nowMs)) {
    if (v.nanos <= 0n) continue;
    if (mine.some((l) => l.matchContains.some((m) => k.includes(m)))) out.add(k);
  }
  return [...out];
}

/**
 * Upstream's CheckRequest without the arithmetic against used: which quotas the
 * request concerns and by how much. Throws QuotaRefusal for an object the quota
 * cannot take at all (missing compute values, usage not yet known, negative use,
 * limited consumption no quota covers).
 */
export function planCharges(
  quotas: readonly ResourceQuota[],
  ev: QuotaEvaluator,
  req: QuotaRequest,
  limited: readonly LimitedResource[] = [],
): PlannedCharge[] {
  const limitedScopes = limitedScopesOf(ev, req.object, limited);
  const limitedNames = limitedNamesOf(ev, req.object, limited, req.nowMs);
  const interesting: ResourceQuota[] = [];
  const restrictedNames = new Set<string>();
  const restrictedScopes = new Set<string>();
  for (const q of quotas) {
    for (const s of quotaScopeSelectors(q)) if (ev.matchesScope(s, req.object)) restrictedScopes.add(s.scopeName ?? '');
    if (!quotaMatches(q, ev, req.object)) continue;
    const restricted = ev.matchingResources(Object.keys(q.status?.hard ?? {}));
    const name = q.metadata?.name ?? '';
    const why = ev.constraints(restricted, req.object);
    if (why) throw new QuotaRefusal(`failed quota: ${name}: ${why}`);
    const used = q.status?.used ?? {};
    if (restricted.some((r) => !(r in used))) {
      throw new QuotaRefusal(`status unknown for quota: ${name}, resources: ${prettyPrintNames(restricted)}`);
    }
    interesting.push(q);
    for (const r of restricted) restrictedNames.add(r);
  }
  const usage = ev.usage(req.object, req.nowMs);
  const negative = negativeNames(usage);
  if (negative.length > 0) {
    throw new QuotaRefusal(`quota usage is negative for resource(s): ${prettyPrintNames(negative)}`);
  }
  // an update is charged what it adds to a quota that already counted the old object
  const oldUsage =
    req.operation === 'UPDATE' && req.oldObject?.metadata?.resourceVersion
      ? ev.usage(req.oldObject, req.nowMs)
      : undefined;
  const out: PlannedCharge[] = [];
  for (const q of interesting) {
    const counted = oldUsage && req.oldObject && quotaMatches(q, ev, req.oldObject);
    const delta = removeZeros(counted ? subtractNonNegative(usage, oldUsage) : usage);
    if (delta.size > 0) out.push({ quotaName: q.metadata?.name ?? '', delta });
  }
  if (interesting.length > 0 && out.length === 0) return [];
  if (interesting.length === 0 && removeZeros(oldUsage ? subtractNonNegative(usage, oldUsage) : usage).size === 0) {
    return [];
  }
  const uncoveredNames = limitedNames.filter((n) => !restrictedNames.has(n));
  if (uncoveredNames.length > 0) {
    throw new QuotaRefusal(`insufficient quota to consume: ${prettyPrintNames(uncoveredNames)}`);
  }
  const uncoveredScopes = limitedScopes.filter((s) => !restrictedScopes.has(s.scopeName ?? ''));
  if (uncoveredScopes.length > 0) {
    throw new QuotaFailure(`insufficient quota to match these scopes: ${goFormatScopes(uncoveredScopes)}`);
  }
  return out;
}

/**
 * The quota's used after the charge, or a QuotaRefusal when it would go over
 * hard. Judged against the quota as given: the caller passes the stored one and
 * writes the result only if that is still the stored one.
 */
export function chargedUsage(q: ResourceQuota, delta: ResourceList, subresource: string): ResourceList {
  const hard = parseResourceList(q.status?.hard);
  const used = parseResourceList(q.status?.used);
  const requested = mask(delta, hard.keys());
  const next = add(used, requested);
  if (subresource !== 'status') {
    const over = exceededNames(mask(next, requested.keys()), hard);
    if (over.length > 0) {
      throw new QuotaRefusal(
        `exceeded quota: ${q.metadata?.name ?? ''}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`,
      );
    }
  }
  return next;
}
