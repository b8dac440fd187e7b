/**
 * resource.Quantity values, parsed exactly enough to compare them and to tell
 * integers from fractions, as upstream's validation does. A quantity is held as
 * a count of nano-units (10^-9), rounded up as apimachinery rounds values
 * finer than a nano-unit; a bigint, so exabyte-sized values stay exact.
 */

const NANOS_PER_UNIT = 1_000_000_000n;

const BINARY_SUFFIXES: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

/** Decimal SI suffixes as powers of ten. */
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?\d+)?$/;

/** Exponents beyond this make values no resource can hold; parsing refuses them rather than building huge bigints. */
const MAX_EXPONENT = 60;

function divideRoundingUp(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den === 0n || num < 0n ? q : q + 1n;
}

/** The value of a Quantity string in nano-units; undefined when it is not a valid quantity. */
export function parseQuantity(text: string): bigint | undefined {
  const m = QUANTITY.exec(text.trim() === text ? text : '');
  if (!m) return undefined;
  const [, sign, number, suffix = ''] = m;
  const [whole, fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole || '0'}${fraction}`);
  let exp10 = -fraction.length;
  let factor = 1n;
  if (suffix in BINARY_SUFFIXES) factor = BINARY_SUFFIXES[suffix];
  else if (suffix in DECIMAL_SUFFIXES) exp10 += DECIMAL_SUFFIXES[suffix];
  else {
    const e = Number.parseInt(suffix.slice(1), 10);
    if (Math.abs(e) > MAX_EXPONENT) return undefined;
    exp10 += e;
  }
  if (sign === '-') mantissa = -mantissa;
  // nano-units: value * 10^9 = mantissa * factor * 10^(exp10 + 9)
  const shift = exp10 + 9;
  const scaled = mantissa * factor;
  if (shift >= 0) return scaled * 10n ** BigInt(shift);
  return divideRoundingUp(scaled, 10n ** BigInt(-shift));
}

/** -1, 0 or 1 as a < b, a == b, a > b. */
export function compareNanos(a: bigint, b: bigint): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export function isWholeNumber(nanos: bigint): boolean {
  return nanos % NANOS_PER_UNIT === 0n;
}

/** How a Quantity prints, as apimachinery's Format: taken from the suffix it was written with. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** The format a quantity string carries: binary suffixes are BinarySI, `e` exponents DecimalExponent. */
export function quantityFormatOf(text: string): QuantityFormat {
  if (/(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(text)) return 'BinarySI';
  if (/[eE][-+]?\d+$/.test(text)) return 'DecimalExponent';
  return 'DecimalSI';
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
const BINARY_SUFFIX_ORDER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** The largest power of ten (a multiple of three, from -9) leaving an integer mantissa. */
function decimalParts(nanos: bigint): { mantissa: bigint; exponent: number } {
  if (nanos === 0n) return { mantissa: 0n, exponent: 0 };
  let mantissa = nanos;
  let exponent = -9;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return { mantissa, exponent };
}

/**
 * The canonical text of a quantity, as apimachinery's Quantity.String(): the
 * largest suffix that keeps the number whole; a BinarySI value that is
 * fractional or below 1024 in magnitude prints as DecimalSI.
 */
export function formatQuantity(nanos: bigint, format: QuantityFormat = 'DecimalSI'): string {
  const abs = nanos < 0n ? -nanos : nanos;
  if (format === 'BinarySI' && isWholeNumber(nanos) && abs >= 1024n * NANOS_PER_UNIT) {
    let units = nanos / NANOS_PER_UNIT;
    let i = 0;
    while (i < BINARY_SUFFIX_ORDER.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      i++;
    }
    return `${units}${BINARY_SUFFIX_ORDER[i]}`;
  }
  const { mantissa, exponent } = decimalParts(nanos);
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  return `${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT[exponent]}`;
}
