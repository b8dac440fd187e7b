/**
 * Finds object members that appear twice in a JSON text, which JSON.parse silently
 * collapses. Upstream's strict decoder reports them as `duplicate field "<path>"`.
 * Expects text that JSON.parse already accepted; stops quietly on anything else.
 */
export function findDuplicateFields(text: string, maxReports = 100): string[] {
  const out: string[] = [];
  interface Frame {
    kind: 'object' | 'array';
    path: string;
    keys?: Set<string>;
    index: number;
    pendingKey?: string;
  }
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  let expectKey = false;

  const childPath = (f: Frame | undefined, key: string | number): string => {
    if (!f) return '';
    if (typeof key === 'number') return `${f.path}[${key}]`;
    return f.path ? `${f.path}.${key}` : key;
  };
  const readString = (): string => {
    // i points at the opening quote
    let j = i + 1;
    let hasEscape = false;
    while (j < n && text.charCodeAt(j) !== 34) {
      if (text.charCodeAt(j) === 92) {
        hasEscape = true;
        j += 2;
      } else j++;
    }
    const raw = text.slice(i, j + 1);
    i = j + 1;
    return hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const currentValuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return childPath(top, top.index);
    return childPath(top, top.pendingKey ?? '');
  };

  while (i < n && out.length < maxReports) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 58) {
      if (c === 44) {
        const top = stack[stack.length - 1];
        if (top?.kind === 'object') expectKey = true;
        else if (top) top.index++;
      }
      i++;
      continue;
    }
    if (c === 123) {
      stack.push({ kind: 'object', path: currentValuePath(), keys: new Set(), index: 0 });
      expectKey = true;
      i++;
      continue;
    }
    if (c === 91) {
      stack.push({ kind: 'array', path: currentValuePath(), index: 0 });
      expectKey = false;
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      stack.pop();
      expectKey = false;
      i++;
      continue;
    }
    if (c === 34) {
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = readString();
        if (top.keys?.has(key)) out.push(childPath(top, key));
        top.keys?.add(key);
        top.pendingKey = key;
        expectKey = false;
      } else {
        readString();
      }
      continue;
    }
    // number, true, false, null
    i++;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 10 || d === 13) break;
      i++;
    }
  }
  return out;
}
