import type { Environment } from '@marcbachmann/cel-js';
import { parseQuantity } from '../../../api/quantity';
import { CelEvaluationError } from '../errors';

const NANOS = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** kubernetes.Quantity: the exact value in nano-units, as api/quantity parses it. */
export class CelQuantity {
  static readonly celTypeName = 'kubernetes.Quantity';
  constructor(readonly nanos: bigint) {}

  compareTo(other: CelQuantity): number {
    return this.nanos === other.nanos ? 0 : this.nanos < other.nanos ? -1 : 1;
  }

  add(other: CelQuantity): CelQuantity {
    return new CelQuantity(this.nanos + other.nanos);
  }

  /** upstream's AsInt64: whole and within int64 */
  asInt64(): bigint | undefined {
    if (this.nanos % NANOS !== 0n) return undefined;
    const v = this.nanos / NANOS;
    return v > INT64_MAX || v < INT64_MIN ? undefined : v;
  }
}

function toQuantity(s: string): CelQuantity {
  const nanos = parseQuantity(s);
  if (nanos === undefined)
    throw new CelEvaluationError(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  return new CelQuantity(nanos);
}

const Q = 'kubernetes.Quantity';

/** Kubernetes' quantity library (1.32: no mul/div yet). */
export function registerQuantityLibrary(env: Environment): void {
  env
    .registerType(Q, CelQuantity)
    .registerFunction(`quantity(string): ${Q}`, toQuantity)
    .registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined)
    .registerFunction(`sign(${Q}): int`, (q: CelQuantity) => BigInt(q.nanos === 0n ? 0 : q.nanos < 0n ? -1 : 1))
    .registerFunction(`${Q}.isGreaterThan(${Q}): bool`, (a: CelQuantity, b: CelQuantity) => a.compareTo(b) === 1)
    .registerFunction(`${Q}.isLessThan(${Q}): bool`, (a: CelQuantity, b: CelQuantity) => a.compareTo(b) === -1)
    .registerFunction(`${Q}.compareTo(${Q}): int`, (a: CelQuantity, b: CelQuantity) => BigInt(a.compareTo(b)))
    .registerFunction(`${Q}.asApproximateFloat(): double`, (q: CelQuantity) => Number(q.nanos) / 1e9)
    .registerFunction(`${Q}.isInteger(): bool`, (q: CelQuantity) => q.asInt64() !== undefined)
    .registerFunction(`${Q}.asInteger(): int`, (q: CelQuantity) => {
      const v = q.asInt64();
      if (v === undefined) throw new CelEvaluationError('cannot convert value to integer');
      return v;
    })
    .registerFunction(`${Q}.add(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => a.add(b))
    .registerFunction(`${Q}.add(int): ${Q}`, (a: CelQuantity, b: bigint) => new CelQuantity(a.nanos + b * NANOS))
    .registerFunction(`${Q}.sub(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.nanos - b.nanos))
    .registerFunction(`${Q}.sub(int): ${Q}`, (a: CelQuantity, b: bigint) => new CelQuantity(a.nanos - b * NANOS))
    .registerOperator(`${Q} == ${Q}`, (a: CelQuantity, b: CelQuantity) => a.nanos === b.nanos);
}
