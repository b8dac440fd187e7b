/** One priority level in the seat allocation problem. */
export interface AllocationItem {
  lowerBound: number;
  upperBound: number;
  target: number;
}

export interface Allocation {
  seats: number[];
  /** the share of its target every level not held at a bound gets */
  fairFrac: number;
}

/** Targets below this count as this, so every level has a place on the fairFrac axis (upstream's MinTarget). */
const MIN_TARGET = 0.001;
const EPSILON = 1e-7;

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));

/**
 * Upstream's computeConcurrencyAllocation: the one fairFrac for which every
 * level's clamp(fairFrac × target, lowerBound, upperBound) sums to
 * requiredSum. The sum grows piecewise linearly with fairFrac, bending only
 * where a level reaches a bound, so the answer lies between two adjacent
 * bends and is found by interpolation.
 */
export function allocateSeats(requiredSum: number, items: readonly AllocationItem[]): Allocation {
  if (requiredSum < 0) throw new Error('negative sums are not supported');
  let lowSum = 0;
  let highSum = 0;
  const targets: number[] = [];
  const bends: number[] = [];
  items.forEach((item, i) => {
    if (item.lowerBound < 0)
      throw new Error(`lower bound ${i} is ${item.lowerBound} but negative lower bounds are not allowed`);
    if (item.target < item.lowerBound)
      throw new Error(`target ${i} is ${item.target}, which is below its lower bound of ${item.lowerBound}`);
    if (item.upperBound < item.lowerBound)
      throw new Error(
        `upper bound ${i} is ${item.upperBound} but should not be less than the lower bound ${item.lowerBound}`,
      );
    const target = Math.max(MIN_TARGET, item.target);
    targets.push(target);
    bends.push(item.lowerBound / target, item.upperBound / target);
    lowSum += item.lowerBound;
    highSum += item.upperBound;
  });
  if (lowSum - requiredSum > EPSILON)
    throw new Error(`lower bounds sum to ${lowSum}, which is higher than the required sum of ${requiredSum}`);
  if (requiredSum - highSum > EPSILON)
    throw new Error(`upper bounds sum to ${highSum}, which is lower than the required sum of ${requiredSum}`);
  if (requiredSum === 0) return { seats: items.map(() => 0), fairFrac: 0 };
  const sumAt = (f: number): number =>
    items.reduce((s, item, i) => s + clamp(f * targets[i], item.lowerBound, item.upperBound), 0);
  const seatsAt = (f: number): number[] =>
    items.map((item, i) => clamp(f * targets[i], item.lowerBound, item.upperBound));
  bends.sort((a, b) => a - b);
  if (lowSum - requiredSum > -EPSILON) return { seats: items.map((i) => i.lowerBound), fairFrac: bends[0] ?? 0 };
  if (requiredSum - highSum > -EPSILON)
    return { seats: items.map((i) => i.upperBound), fairFrac: bends[bends.length - 1] ?? 0 };
  let lo = bends[0];
  let sumLo = sumAt(lo);
  for (const hi of bends) {
    if (hi <= lo) continue;
    const sumHi = sumAt(hi);
    if (sumHi >= requiredSum) {
      const f = sumHi === sumLo ? hi : lo + ((requiredSum - sumLo) * (hi - lo)) / (sumHi - sumLo);
      return { seats: seatsAt(f), fairFrac: f };
    }
    lo = hi;
    sumLo = sumHi;
  }
  return { seats: seatsAt(lo), fairFrac: lo };
}
