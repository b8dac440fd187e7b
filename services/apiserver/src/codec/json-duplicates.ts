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

/** The parts of a JSON text's shape (json-depth.ts scanJsonText) the member count check needs. */
export interface MemberCount {
  /** object members in the text, repeated names included */
  members: number;
  /** the deepest nesting of arrays and objects (the root container is 1) */
  depth: number;
}

/**
 * Whether no object of a JSON text repeats a member name, told from the value JSON.parse made of
 * it and the text's member count, without reading the text again: JSON.parse keeps one member per
 * name, and a replaced value takes its own members with it, so the value has fewer members than
 * the text exactly when some name repeats. Containers at the text's deepest level hold no others,
 * so their values are not looked at. `keysOf` enumerates each object (Object.keys by default).
 */
export function hasNoRepeatedMembers(
  value: unknown,
  text: MemberCount,
  keysOf: (obj: Record<string, unknown>) => readonly string[] = Object.keys,
): boolean {
  let count = 0;
  const stack: Array<[unknown, number]> = typeof value === 'object' && value !== null ? [[value, 1]] : [];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    const inner = depth < text.depth;
    if (Array.isArray(v)) {
      if (inner) for (const item of v) if (typeof item === 'object' && item !== null) stack.push([item, depth + 1]);
      continue;
    }
    const obj = v as Record<string, unknown>;
    const keys = keysOf(obj);
    count += keys.length;
    if (!inner) continue;
    for (const k of keys) {
      const member = obj[k];
      if (typeof member === 'object' && member !== null) stack.push([member, depth + 1]);
    }
  }
  return count === text.members;
}
