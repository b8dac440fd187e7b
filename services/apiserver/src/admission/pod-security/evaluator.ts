import type { Check, CheckFn, CheckResult, VersionedCheck } from './check';
import { BASELINE_CHECKS } from './checks-baseline';
import { RESTRICTED_CHECKS } from './checks-restricted';
import type { LevelVersion } from './levels';
import type { PodMetaView, PodSpecView } from './pod-shape';

/** The checks of one level at one version, in the order their reasons are reported. */
function checksFor(lv: LevelVersion): CheckFn[] {
  if (lv.level === 'privileged') return [];
  const minor = lv.version.latest ? Number.MAX_SAFE_INTEGER : lv.version.minor;
  const at = (c: Check): VersionedCheck | undefined => [...c.versions].reverse().find((v) => v.minimumMinor <= minor);
  const restricted =
    lv.level === 'restricted'
      ? RESTRICTED_CHECKS.flatMap((c) => (at(c) ? [{ c, v: at(c) as VersionedCheck }] : []))
      : [];
  const overridden = new Set(restricted.flatMap(({ v }) => v.overrides ?? []));
  const baseline = BASELINE_CHECKS.flatMap((c) => {
    const v = at(c);
    return v && !overridden.has(c.id) ? [{ c, v }] : [];
  });
  // baseline ids in byte order, then restricted ids in byte order: upstream's message order
  const byId = (a: { c: Check }, b: { c: Check }): number => (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0);
  return [...baseline.sort(byId), ...restricted.sort(byId)].map(({ v }) => v.check);
}

/** What every check of a level said about one pod. */
export interface AggregateResult {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

export function evaluatePod(lv: LevelVersion, meta: PodMetaView, spec: PodSpecView): AggregateResult {
  const failed: CheckResult[] = checksFor(lv)
    .map((check) => check(meta, spec))
    .filter((r) => !r.allowed);
  return {
    allowed: failed.length === 0,
    reasons: failed.map((r) => r.reason || 'unknown forbidden reason'),
    details: failed.map((r) => r.detail ?? ''),
  };
}

/** `host namespaces, privileged` — the short form, for lists of pods. */
export function forbiddenReason(r: AggregateResult): string {
  return r.reasons.join(', ');
}

/** `host namespaces (hostNetwork=true), privileged (container "c" must not ...)` — for one object. */
export function forbiddenDetail(r: AggregateResult): string {
  return r.reasons.map((reason, i) => (r.details[i] ? `${reason} (${r.details[i]})` : reason)).join(', ');
}
