import type { Environment } from '@marcbachmann/cel-js';
import { chargeForSize } from '../cost';
import { CelEvaluationError } from '../errors';
import { StringsNamespace } from './namespaces';
import { formatString } from './string-format';

/** Code points, as cel-go's strings extension indexes strings (not UTF-16 units). */
function codePoints(s: string): string[] {
  return Array.from(s);
}

function charAt(s: string, index: bigint): string {
  const cps = codePoints(s);
  const i = Number(index);
  if (i < 0 || i > cps.length) throw new CelEvaluationError(`index out of range: ${index}`);
  return cps[i] ?? '';
}

function replaceN(s: string, from: string, to: string, n: bigint): string {
  chargeForSize(s.length);
  if (n === 0n) return s;
  if (n < 0n) return s.split(from).join(to);
  let out = '';
  let rest = s;
  let count = 0n;
  while (count < n) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    if (from === '') {
      // Go's strings.Replace with an empty needle inserts before each code point and at the end.
      const cps = codePoints(rest);
      if (cps.length === 0) {
        out += to;
        rest = '';
        count++;
        break;
      }
      out += to + cps[0];
      rest = cps.slice(1).join('');
      count++;
      if (rest === '' && count < n) {
        out += to;
        count++;
      }
      continue;
    }
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
    count++;
  }
  return out + rest;
}

/** cel-go's strings.quote: a double-quoted CEL string literal. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += ch;
    }
  }
  return out + '"';
}

/**
 * The parts of cel-go's strings extension (version 2, as Kubernetes 1.32 loads it)
 * that cel-js does not have built in: charAt, replace, quote, format, reverse-free.
 */
export function registerStringsLibrary(env: Environment): void {
  env
    .registerFunction('string.charAt(int): string', charAt)
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      replaceN(s, a, b, -1n),
    )
    .registerFunction('string.replace(string, string, int): string', replaceN)
    .registerType('kapi.ns.strings', StringsNamespace)
    .registerConstant('strings', 'kapi.ns.strings', new StringsNamespace('strings'))
    .registerFunction('kapi.ns.strings.quote(string): string', (_ns: StringsNamespace, s: string) => quote(s))
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => {
      chargeForSize(s.length);
      return formatString(s, args);
    });
}
