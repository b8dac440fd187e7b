import type { Environment } from '@marcbachmann/cel-js';
import { chargeForSize } from '../cost';
import { CelEvaluationError } from '../errors';

const cache = new Map<string, RegExp>();

/**
 * RE2 syntax is close to JavaScript's for what policies use; (?i) style flags at
 * the start are translated, and what JavaScript rejects is a CEL error.
 */
function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  // RE2 spells named groups (?P<name>...); JavaScript (?<name>...)
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = 'gu';
  const m = /^\(\?([imsU]+)\)/.exec(source);
  if (m) {
    source = source.slice(m[0].length);
    for (const f of m[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  try {
    re = new RegExp(source, flags);
  } catch {
    throw new CelEvaluationError(`error parsing regexp: ${pattern}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

function findAll(s: string, pattern: string, limit: bigint): string[] {
  chargeForSize(s.length, 0.25);
  if (limit === 0n) return [];
  const re = compile(pattern);
  const out: string[] = [];
  for (const m of s.matchAll(re)) {
    out.push(m[0]);
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return out;
}

/** Kubernetes' regex library: find and findAll. */
export function registerRegexLibrary(env: Environment): void {
  env
    .registerFunction('string.find(string): string', (s: string, pattern: string) => {
      chargeForSize(s.length, 0.25);
      const re = compile(pattern);
      re.lastIndex = 0;
      const m = re.exec(s);
      re.lastIndex = 0;
      return m ? m[0] : '';
    })
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1n))
    .registerFunction('string.findAll(string, int): list<string>', findAll);
}
