/** Go's text renderings that klog's output is made of, so lines read as kube-apiserver's do. */

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** strconv.Quote: a double-quoted Go string literal, printable Unicode kept as is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) out += `\\u${hex(cp, 4)}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** The fraction of v / unit without trailing zeros, as time.Duration.String writes it. */
function fixed(v: number, unit: number): string {
  const whole = Math.floor(v / unit);
  const rest = v % unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** time.Duration.String for a whole number of nanoseconds: "0s", "812ns", "1.5µs", "1.234567ms", "2m3.5s". */
export function goDuration(nanos: number): string {
  const ns = Math.round(nanos);
  if (ns < 0) return `-${goDuration(-ns)}`;
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${fixed(ns, 1_000)}µs`;
  if (ns < 1_000_000_000) return `${fixed(ns, 1_000_000)}ms`;
  const totalSeconds = Math.floor(ns / 1e9);
  const seconds = fixed(ns % 60_000_000_000, 1_000_000_000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** A Go duration value for a key/value list: logs as its String() form in both formats. */
export class GoDuration {
  constructor(readonly nanos: number) {}
  toString(): string {
    return goDuration(this.nanos);
  }
  toJSON(): string {
    return goDuration(this.nanos);
  }
}
