import { CelEvaluationError } from '../errors';
import { celTypeName } from '../values';

/** A value as %s prints it (cel-go's string conversion rules). */
function asString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return `[${v.map(asString).join(', ')}]`;
  if (v instanceof Map) {
    return `{${[...v.entries()].map(([k, x]) => `${asString(k)}: ${asString(x)}`).join(', ')}}`;
  }
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${k}: ${asString(x)}`).join(', ')}}`;
  }
  return String(v);
}

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

function numeric(v: unknown, verb: string): number | bigint {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  throw new CelEvaluationError(
    `error during formatting: ${verb} clause can only be used on integers and doubles, was given ${celTypeName(v)}`,
  );
}

/**
 * cel-go's string.format: %s %d %f (with precision) %e %b %o %x %X and %%, one
 * argument of the list per clause.
 */
export function formatString(format: string, args: readonly unknown[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (format[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (format[i] === '.') {
      let digits = '';
      i++;
      while (i < format.length && /\d/.test(format[i])) digits += format[i++];
      precision = Number(digits || '0');
    }
    const verb = format[i];
    if (verb === undefined) throw new CelEvaluationError('error during formatting: unexpected end of format string');
    if (next >= args.length) {
      throw new CelEvaluationError(`index ${next} out of range`);
    }
    const arg = args[next++];
    switch (verb) {
      case 's':
        out += asString(arg);
        break;
      case 'd': {
        const n = numeric(arg, 'decimal');
        if (typeof n === 'number' && !Number.isInteger(n)) {
          throw new CelEvaluationError(
            'error during formatting: decimal clause can only be used on integers, was given double',
          );
        }
        out += BigInt(n).toString();
        break;
      }
      case 'f': {
        const n = Number(numeric(arg, 'fixed-point'));
        out += n.toFixed(precision ?? 6);
        break;
      }
      case 'e': {
        const n = Number(numeric(arg, 'scientific'));
        out += n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      }
      case 'b':
      case 'o':
      case 'x':
      case 'X': {
        const radix = verb === 'b' ? 2 : verb === 'o' ? 8 : 16;
        let text: string;
        if (typeof arg === 'string') text = Buffer.from(arg, 'utf8').toString('hex');
        else if (arg instanceof Uint8Array) text = Buffer.from(arg).toString('hex');
        else {
          const n = numeric(arg, verb === 'b' ? 'binary' : verb === 'o' ? 'octal' : 'hex');
          text = typeof n === 'bigint' ? n.toString(radix) : Math.trunc(n).toString(radix);
        }
        out += verb === 'X' ? text.toUpperCase() : text;
        break;
      }
      default:
        throw new CelEvaluationError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
  }
  return out;
}
