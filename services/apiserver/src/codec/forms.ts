/**
 * Value conversions of the messages with a custom JSON form (fixtures README table):
 * RFC 3339 times, Go durations, quantities. Each parser returns undefined on bad input
 * so callers can raise a StatusError naming the field.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export interface Instant {
  seconds: number;
  nanos: number;
}

/** Seconds of Go's zero time (0001-01-01T00:00:00Z), which metav1.Time encodes as null. */
export const GO_ZERO_TIME_SECONDS = -62135596800;

export function parseRfc3339(s: string): Instant | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  if (d.getUTCDate() !== day) return undefined;
  let seconds = Math.floor(d.getTime() / 1000);
  if (m[9]) {
    const hh = Number(m[10]);
    const mm = Number(m[11]);
    if (hh > 23 || mm > 59) return undefined;
    const offset = (hh * 60 + mm) * 60;
    seconds += m[9] === '+' ? -offset : offset;
  }
  const frac = m[7] ? m[7].slice(1, 10).padEnd(9, '0') : '0';
  return { seconds, nanos: Number(frac) };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatUtc(seconds: number, fraction: string): string {
  const d = new Date(seconds * 1000);
  const y = d.getUTCFullYear();
  return (
    `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${fraction}Z`
  );
}

/** metav1.Time JSON: UTC, whole seconds. */
export function formatTime(i: Instant): string {
  return formatUtc(i.seconds, '');
}

/** metav1.MicroTime JSON: UTC with exactly six fractional digits. */
export function formatMicroTime(i: Instant): string {
  return formatUtc(i.seconds, `.${pad(Math.floor(i.nanos / 1000), 6)}`);
}

export function isZeroInstant(i: Instant): boolean {
  return i.seconds === GO_ZERO_TIME_SECONDS && i.nanos === 0;
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(s: string): bigint | undefined {
  if (s === '0') return 0n;
  let rest = s;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const unit = UNIT_NANOS[m[3]];
    let value = BigInt(m[1] || '0') * unit;
    if (m[2]) {
      const digits = m[2].slice(0, 18);
      value += (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
    }
    total += value;
    if (total > MAX_INT64 + 1n) return undefined;
    rest = rest.slice(m[0].length);
  }
  const result = sign * total;
  if (result > MAX_INT64) return undefined;
  return result;
}

function trimFraction(v: bigint, digits: number): string {
  const s = v.toString().padStart(digits, '0').replace(/0+$/, '');
  return s === '' ? '' : `.${s}`;
}

/** Go's time.Duration.String(). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1000000000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1000000n) out = `${u / 1000n}${trimFraction(u % 1000n, 3)}µs`;
    else out = `${u / 1000000n}${trimFraction(u % 1000000n, 6)}ms`;
  } else {
    const frac = trimFraction(u % 1000000000n, 9);
    u /= 1000000000n;
    const secs = u % 60n;
    u /= 60n;
    out = `${secs}${frac}s`;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

export const QUANTITY_PATTERN = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export const QUANTITY_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Checks the resource.Quantity syntax (number plus suffix: binary SI, decimal SI or exponent). */
export function isValidQuantity(s: string): boolean {
  const m = QUANTITY_PATTERN.exec(s);
  if (!m) return false;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return false;
  const suffix = m[2];
  return /^(|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?\d+)$/.test(suffix);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's base64.StdEncoding (padded, no whitespace) as encoding/json requires for []byte. */
export function isValidBase64(s: string): boolean {
  return BASE64.test(s);
}
