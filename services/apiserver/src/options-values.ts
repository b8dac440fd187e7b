/** Flag values as kube-apiserver parses them (pflag booleans, Go durations, service ranges) and the error they raise. */
import { bigIntToIp, parseCidr } from './net/cidr';

/** An invalid command line; main prints the message and exits 1. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

export function parseBool(flag: string, text: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw invalid(flag, text, 'must be a boolean');
}

export function invalid(flag: string, value: string, why: string): OptionsError {
  return new OptionsError(`invalid value ${JSON.stringify(value)} for flag --${flag}: ${why}`);
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw invalid(flag, text, 'must be an integer');
  const n = Number(text.trim());
  if (n < min || n > max) throw invalid(flag, text, `must be between ${min} and ${max}`);
  return n;
}

export function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || /^[0:]+$/.test(ip);
}

export function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag: ${flag ?? e.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag ? `flag needs an argument: ${flag.split(/[ =]/)[0]}` : (e.message ?? 'invalid flag value');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument: ${/'([^']*)'/.exec(e.message ?? '')?.[1] ?? e.message}`;
    default:
      return e.message ?? String(err);
  }
}

/**
 * The first usable address of a service range (network + 1): kube-apiserver
 * gives it to the default/kubernetes Service. For a dual-stack list
 * ("v4cidr,v6cidr") the primary (first) range is used.
 */
export function firstServiceIP(cidr: string): string {
  const primary = cidr.split(',')[0].trim();
  const parsed = parseCidr(primary);
  const hostBits = parsed.bits - parsed.prefix;
  // kube-apiserver refuses ranges larger than 2^20 addresses.
  if (hostBits > 20)
    throw new Error(`range ${primary} is too large; the prefix length must be at least /${parsed.bits - 20}`);
  if (hostBits < 2) throw new Error(`range ${primary} is too small to hold a service address`);
  return bigIntToIp(parsed.network + 1n, parsed.family);
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go time.Duration string ("5m", "1h30m", "1.5s", "-2ms", "0") into milliseconds. */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new Error('invalid duration ""');
  let rest = input;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (!match) {
      const missingUnit = /^(\d+(?:\.\d*)?|\.\d+)$/.test(rest);
      throw new Error(`${missingUnit ? 'missing unit in' : 'invalid'} duration ${JSON.stringify(text)}`);
    }
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}
