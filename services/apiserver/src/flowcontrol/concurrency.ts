import type { PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';

/** A level's nominal shares: Limited's, or Exempt's (which count in the sum but are never enforced). */
export function nominalShares(pl: PriorityLevelConfiguration): number {
  const spec = pl.spec;
  if (spec?.type === 'Exempt') return spec.exempt?.nominalConcurrencyShares ?? 0;
  return spec?.limited?.nominalConcurrencyShares ?? 30;
}

/**
 * Upstream's nominal concurrency limits: the server's limit
 * (--max-requests-inflight + --max-mutating-requests-inflight) split by shares,
 * each rounded up, so every limited level with shares gets at least one seat.
 */
export function nominalConcurrencyLimits(
  serverLimit: number,
  levels: readonly PriorityLevelConfiguration[],
): Map<string, number> {
  const sum = levels.reduce((s, pl) => s + nominalShares(pl), 0);
  const out = new Map<string, number>();
  for (const pl of levels) {
    const shares = nominalShares(pl);
    out.set(pl.metadata?.name ?? '', sum > 0 ? Math.ceil((serverLimit * shares) / sum) : 0);
  }
  return out;
}
