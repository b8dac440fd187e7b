import type { PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import type { IntegratorResults } from './integrator';

/** How a level's seat limits were configured (upstream's nominalCL, minCL and maxCL). */
export interface LevelLimits {
  nominal: number;
  /** nominal minus what it may lend */
  lower: number;
  /** nominal plus what it may borrow */
  upper: number;
  /** lendable seats, for the level's first current limit */
  lendable: number;
}

/** Upstream's plSpecCommons: the shares and percentages of a Limited or an Exempt level, defaulted. */
function specCommons(pl: PriorityLevelConfiguration): {
  shares: number;
  lendablePercent: number;
  borrowingLimitPercent: number | undefined;
} {
  const spec = pl.spec;
  if (spec?.type === 'Exempt') {
    return {
      shares: spec.exempt?.nominalConcurrencyShares ?? 0,
      lendablePercent: spec.exempt?.lendablePercent ?? 0,
      borrowingLimitPercent: undefined,
    };
  }
  return {
    shares: spec?.limited?.nominalConcurrencyShares ?? 30,
    lendablePercent: spec?.limited?.lendablePercent ?? 0,
    borrowingLimitPercent: spec?.limited?.borrowingLimitPercent,
  };
}

export const nominalShares = (pl: PriorityLevelConfiguration): number => specCommons(pl).shares;

/**
 * A level's limits as upstream computes them: the server's limit split by
 * shares, rounded up; lendable and borrowable seats rounded from the
 * percentages; no borrowing limit means up to the whole server's.
 */
export function levelLimits(serverLimit: number, shareSum: number, pl: PriorityLevelConfiguration): LevelLimits {
  const { shares, lendablePercent, borrowingLimitPercent } = specCommons(pl);
  const nominal = shareSum > 0 ? Math.ceil((serverLimit * shares) / shareSum) : 0;
  const lendable = Math.round((nominal * lendablePercent) / 100);
  const borrowing =
    borrowingLimitPercent === undefined ? serverLimit : Math.round((nominal * borrowingLimitPercent) / 100);
  return { nominal, lower: nominal - lendable, upper: nominal + borrowing, lendable };
}

/** Weight of the past in the smoothed seat demand (upstream's seatDemandSmoothingCoefficient). */
const SMOOTHING = 0.977;

/** A level's seat demand over the last adjustment periods. */
export class SeatDemandStats {
  highWatermark = 0;
  average = 0;
  stdDev = 0;
  smoothed = 0;

  update(r: IntegratorResults): void {
    this.highWatermark = r.max;
    if (r.duration <= 0) return;
    this.average = r.average;
    this.stdDev = Number.isNaN(r.deviation) ? 0 : r.deviation;
    const envelope = this.average + this.stdDev;
    // a rise is followed at once, a fall only slowly
    this.smoothed = Math.max(envelope, SMOOTHING * this.smoothed + (1 - SMOOTHING) * envelope);
  }
}
