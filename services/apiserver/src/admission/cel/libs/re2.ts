import { RE2JS } from 're2js';
import { CelEvaluationError } from '../errors';

/**
 * Patterns as Kubernetes' CEL compiles them: RE2 syntax and linear-time matching
 * (no backreferences, no lookaround), so no rule can make the server backtrack for
 * seconds. Compiled patterns are kept, as policies match the same few over and over.
 */
const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 1000;

export function re2(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    // RE2JS words syntax errors as Go's regexp does: `error parsing regexp: ...`
    throw new CelEvaluationError(e instanceof Error ? e.message : `error parsing regexp: ${pattern}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** CEL's `matches`: true when the pattern matches anywhere in s (RE2's unanchored search). */
export function re2Matches(s: string, pattern: string): boolean {
  return re2(pattern).matcher(s).find();
}

/** The first match, or '' (Go's FindString). */
export function re2Find(s: string, pattern: string): string {
  const m = re2(pattern).matcher(s);
  return m.find() ? (m.group() ?? '') : '';
}

/** Go's FindAllString: successive non-overlapping matches, an empty match right after a match skipped. */
export function re2FindAll(s: string, pattern: string, limit: number): string[] {
  const out: string[] = [];
  if (limit === 0) return out;
  const m = re2(pattern).matcher(s);
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    const step = end > start ? end : end + codeUnitsAt(s, end);
    if (!(start === end && start === prevEnd)) {
      out.push(m.group() ?? '');
      if (limit > 0 && out.length >= limit) break;
    }
    prevEnd = end;
    pos = step;
  }
  return out;
}

/** One character's width in UTF-16 units at i (2 for a surrogate pair), so an empty match never splits one. */
function codeUnitsAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}
