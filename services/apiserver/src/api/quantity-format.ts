/**
 * resource.Quantity's canonical text (Quantity.String()): what apimachinery
 * prints for a quantity, e.g. in an error message. A quantity keeps the format
 * its text was written in; the canonical text is the shortest mantissa with a
 * suffix of that format.
 */
import { parseQuantity } from './quantity';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: its value in nano-units and the format it prints in. */
export interface Quantity {
  nanos: bigint;
  format: QuantityFormat;
}

const DECIMAL_SUFFIX_BY_EXPONENT: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const NANOS_PER_UNIT = 1_000_000_000n;

/** The format apimachinery's parser gives a quantity's text (by its suffix). */
export function quantityFormatOf(text: string): QuantityFormat {
  if (/(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(text)) return 'BinarySI';
  if (/\d[eE][-+]?\d+$/.test(text)) return 'DecimalExponent';
  return 'DecimalSI';
}

/** The quantity a resource list's value holds; undefined when it does not parse. */
export function toQuantity(text: string): Quantity | undefined {
  const nanos = parseQuantity(text);
  return nanos === undefined ? undefined : { nanos, format: quantityFormatOf(text) };
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** A decimal mantissa and an exponent that is a multiple of 3, with as few digits as that allows. */
function decimalParts(nanos: bigint): { mantissa: bigint; exponent: number } {
  if (nanos === 0n) return { mantissa: 0n, exponent: 0 };
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  const rest = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(rest);
  exponent -= rest;
  return { mantissa, exponent };
}

function decimalText(nanos: bigint, format: QuantityFormat): string {
  const { mantissa, exponent } = decimalParts(nanos);
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  const suffix = DECIMAL_SUFFIX_BY_EXPONENT[exponent];
  return suffix === undefined ? `${mantissa}e${exponent}` : `${mantissa}${suffix}`;
}

function binaryText(units: bigint): string {
  let mantissa = units;
  let power = 0;
  while (power < BINARY_SUFFIXES.length - 1 && mantissa % 1024n === 0n) {
    mantissa /= 1024n;
    power += 1;
  }
  return `${mantissa}${BINARY_SUFFIXES[power]}`;
}

/** Quantity.String(): binary quantities under 1024 or with a fraction print in decimal, as upstream. */
export function formatQuantity(q: Quantity): string {
  if (q.format === 'BinarySI') {
    const whole = q.nanos % NANOS_PER_UNIT === 0n;
    if (whole && abs(q.nanos) >= 1024n * NANOS_PER_UNIT) return binaryText(q.nanos / NANOS_PER_UNIT);
    return decimalText(q.nanos, 'DecimalSI');
  }
  return decimalText(q.nanos, q.format);
}

/** The canonical text of a quantity's text ('' stays ''). */
export function canonicalQuantity(text: string): string {
  const q = toQuantity(text);
  return q ? formatQuantity(q) : text;
}
