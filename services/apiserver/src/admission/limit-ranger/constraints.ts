/**
 * The LimitRange bounds one resource list is held to, with upstream's messages.
 * Values compare as upstream's requestLimitEnforcedValues: in milli-units,
 * rounded up, unless one of them is too large for that (then in whole units).
 */
import { formatQuantity, type Quantity } from '../../api/quantity-format';
import type { ResourceList } from './resource-lists';

const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
/** resource.MaxMilliValue: the largest value whose milli-value fits an int64 */
const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

/** Rounded away from zero, as Quantity.Value and MilliValue round. */
function scaled(nanos: bigint, per: bigint): bigint {
  const q = nanos / per;
  if (nanos % per === 0n) return q;
  return nanos > 0n ? q + 1n : q - 1n;
}

function comparable(...qs: Quantity[]): bigint[] {
  const units = qs.map((q) => scaled(q.nanos, NANOS_PER_UNIT));
  if (units.every((u) => u <= MAX_MILLI_VALUE)) return qs.map((q) => scaled(q.nanos, NANOS_PER_MILLI));
  return units;
}

/** One bound of a LimitRange item: its type ('Container', 'Pod'...), the resource and the enforced value. */
export interface Bound {
  limitType: string;
  resource: string;
  enforced: Quantity;
}

function head(b: Bound, kind: string): string {
  return `${kind} ${b.resource} usage per ${b.limitType} is ${formatQuantity(b.enforced)}`;
}

export function minViolation(b: Bound, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(b.resource);
  const lim = limits.get(b.resource);
  const [reqValue, limValue, enforced] = comparable(req ?? ZERO, lim ?? ZERO, b.enforced);
  if (!req) return `${head(b, 'minimum')}.  No request is specified`;
  if (reqValue < enforced) return `${head(b, 'minimum')}, but request is ${formatQuantity(req)}`;
  if (lim && limValue < enforced) return `${head(b, 'minimum')}, but limit is ${formatQuantity(lim)}`;
  return undefined;
}

export function maxViolation(b: Bound, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(b.resource);
  const lim = limits.get(b.resource);
  const [reqValue, limValue, enforced] = comparable(req ?? ZERO, lim ?? ZERO, b.enforced);
  if (!lim) return `${head(b, 'maximum')}.  No limit is specified`;
  if (limValue > enforced) return `${head(b, 'maximum')}, but limit is ${formatQuantity(lim)}`;
  if (req && reqValue > enforced) return `${head(b, 'maximum')}, but request is ${formatQuantity(req)}`;
  return undefined;
}

/** The max bound of a kind whose limits are not user input (PVCs): only the request is held to it. */
export function maxRequestViolation(b: Bound, requests: ResourceList): string | undefined {
  const req = requests.get(b.resource);
  const [reqValue, , enforced] = comparable(req ?? ZERO, ZERO, b.enforced);
  if (!req) return `${head(b, 'maximum')}.  No request is specified`;
  if (reqValue > enforced) return `${head(b, 'maximum')}, but request is ${formatQuantity(req)}`;
  return undefined;
}

/**
 * Go's %f of a non-negative number: six decimals of the exact binary value,
 * an exact half rounded to even (JavaScript's toFixed rounds it up).
 */
export function goFixed6(x: number): string {
  const exact = x.toFixed(100);
  const dot = exact.indexOf('.');
  const kept = exact.slice(0, dot + 7);
  const rest = exact.slice(dot + 7);
  const odd = Number(kept.at(-1)) % 2 === 1;
  const roundUp = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || odd));
  if (!roundUp) return kept;
  const digits = (BigInt(kept.replace('.', '')) + 1n).toString().padStart(dot + 6, '0');
  return `${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

export function ratioViolation(b: Bound, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(b.resource);
  const lim = limits.get(b.resource);
  const [reqValue, limValue] = comparable(req ?? ZERO, lim ?? ZERO, b.enforced);
  const at = `${b.resource} max limit to request ratio per ${b.limitType} is ${formatQuantity(b.enforced)}`;
  if (!req || reqValue === 0n) return `${at}, but no request is specified or request is 0`;
  if (!lim || limValue === 0n) return `${at}, but no limit is specified or limit is 0`;
  const observed = Number(limValue) / Number(reqValue);
  const enforcedUnits = scaled(b.enforced.nanos, NANOS_PER_UNIT);
  // upstream compares in milli-units when the bound allows it, with the ratio scaled to match
  const tooHigh =
    enforcedUnits <= MAX_MILLI_VALUE
      ? observed * 1000 > Number(scaled(b.enforced.nanos, NANOS_PER_MILLI))
      : observed > Number(enforcedUnits);
  return tooHigh ? `${at}, but provided ratio is ${goFixed6(observed)}` : undefined;
}
