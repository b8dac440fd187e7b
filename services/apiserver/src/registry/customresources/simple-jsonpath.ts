import { isPlainObject } from '../../api/object';

/**
 * The JSONPath subset printer columns use (upstream allows only "simple" paths):
 * `.a.b`, `.a[0]`, `.a[*].b`, `.a['b.c']` and `.a[?(@.type=="Ready")].status`.
 * Returns every value the path reaches, in document order.
 */
export function evaluateJsonPath(path: string, root: unknown): unknown[] {
  let current: unknown[] = [root];
  const p = path.trim().replace(/^\{(.*)\}$/, '$1');
  let i = p.startsWith('$') ? 1 : 0;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([^.[]+)/.exec(p.slice(i));
      if (!m) return [];
      current = current.flatMap((v) => (isPlainObject(v) && m[1] in v ? [v[m[1]]] : []));
      i += m[0].length;
    } else if (p[i] === '[') {
      const end = matchingBracket(p, i);
      if (end < 0) return [];
      const inner = p.slice(i + 1, end).trim();
      current = current.flatMap((v) => subscript(v, inner));
      i = end + 1;
    } else {
      return [];
    }
  }
  return current;
}

function matchingBracket(p: string, open: number): number {
  let depth = 0;
  for (let j = open; j < p.length; j++) {
    if (p[j] === '[') depth++;
    else if (p[j] === ']' && --depth === 0) return j;
  }
  return -1;
}

function subscript(v: unknown, inner: string): unknown[] {
  if (inner === '*') return Array.isArray(v) ? v : isPlainObject(v) ? Object.values(v) : [];
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
  if (quoted) {
    const k = quoted[1] ?? quoted[2];
    return isPlainObject(v) && k in v ? [v[k]] : [];
  }
  if (/^-?\d+$/.test(inner)) {
    if (!Array.isArray(v)) return [];
    const n = Number(inner);
    const at = n < 0 ? v.length + n : n;
    return at >= 0 && at < v.length ? [v[at]] : [];
  }
  const filter =
    /^\?\(@((?:\.[^.=!<>\s]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\s*\)$/.exec(inner);
  if (filter && Array.isArray(v)) {
    const [, fieldPath, op, dq, sq, num, bool] = filter;
    const want: unknown = dq ?? sq ?? (num !== undefined ? Number(num) : bool === 'true');
    return v.filter((item) => {
      const got = evaluateJsonPath(fieldPath, item);
      const hit = got.length > 0 && got[0] === want;
      return op === '==' ? hit : !hit;
    });
  }
  return [];
}
