import { newBadRequest } from '../api/errors';

/** One requirement of a label selector in its string form (`a=b,c!=d,e in (f,g),!h`). */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const MAX_SELECTOR_LENGTH = 10_000;

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(input: string): LabelSelector {
  if (input.length > MAX_SELECTOR_LENGTH) throw newBadRequest('unable to parse requirement: selector too long');
  const reqs: LabelRequirement[] = [];
  if (!input.trim()) return reqs;
  for (const raw of splitTopLevel(input)) {
    const part = raw.trim();
    if (!part) throw newBadRequest(`unable to parse requirement: found '', expected: identifier`);
    let m = /^!\s*([^\s=!<>(),]+)$/.exec(part);
    if (m) {
      reqs.push({ key: m[1], op: '!', values: [] });
      continue;
    }
    m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      reqs.push({
        key: m[1],
        op: m[2] as 'in' | 'notin',
        values: values.length === 1 && values[0] === '' ? [] : values,
      });
      continue;
    }
    m = /^([^\s=!<>(),]+)\s*(==|=|!=|>|<)\s*([^\s=!<>(),]*)$/.exec(part);
    if (m) {
      const op = m[2] === '>' ? 'gt' : m[2] === '<' ? 'lt' : (m[2] as '=' | '==' | '!=');
      if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(m[3])) {
        throw newBadRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      reqs.push({ key: m[1], op, values: [m[3]] });
      continue;
    }
    m = /^([^\s=!<>(),]+)$/.exec(part);
    if (m) {
      reqs.push({ key: m[1], op: 'exists', values: [] });
      continue;
    }
    throw newBadRequest(`unable to parse requirement: invalid label selector "${part}"`);
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.op) {
      case '=':
      case '==':
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** The label values every match must carry (`a=b`, `a==b`, `a in (b)`), for index lookups. */
export function requiredLabelValues(selector: LabelSelector): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const r of selector) {
    if ((r.op === '=' || r.op === '==' || (r.op === 'in' && r.values.length === 1)) && r.values.length === 1) {
      out[r.key] = r.values[0];
      any = true;
    }
  }
  return any ? out : undefined;
}
