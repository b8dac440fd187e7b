import { newBadRequest } from '../api/errors';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Unescapes the `\,` `\=` `\\` escapes field selector values allow. */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(input: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  if (!input.trim()) return reqs;
  for (const raw of input.split(/(?<!\\),/)) {
    const part = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw newBadRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    reqs.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]) });
  }
  return reqs;
}

export function checkSupportedFields(selector: FieldSelector, supported: Set<string>): void {
  for (const r of selector) {
    if (!supported.has(r.field)) {
      throw newBadRequest(`field label not supported: ${r.field}`);
    }
  }
}

export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  for (const r of selector) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** The values a selector's equality requirements fix (the last one wins when a field repeats). */
export function requiredFieldValues(selector: FieldSelector): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const r of selector) {
    if (r.op !== '=') continue;
    out[r.field] = r.value;
    any = true;
  }
  return any ? out : undefined;
}
