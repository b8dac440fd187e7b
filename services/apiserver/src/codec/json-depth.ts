/**
 * Go's encoding/json refuses a document nested deeper than 10,000 arrays and objects before it
 * decodes anything, whatever type it decodes into; kube-apiserver's decoders inherit that. The
 * check here is a scan with a counter (no recursion), so no input depth can exhaust the stack.
 */
export const MAX_JSON_NESTING_DEPTH = 10_000;

export interface DepthExcess {
  /** the bracket that went one level too deep */
  char: '{' | '[';
  offset: number;
}

/** What one scan of a JSON text finds besides its depth limit, for the member count check. */
export interface JsonTextShape {
  /** Where the text first nests deeper than max (the scan stops there); undefined when it does not. */
  excess: DepthExcess | undefined;
  /** Object members in the text, repeated names included: the colons outside strings. */
  members: number;
  /** The deepest nesting of arrays and objects (the root container is 1). */
  depth: number;
}

/** Scans text for its nesting and member count. Strings are skipped, escapes honoured. */
export function scanJsonText(text: string, max = MAX_JSON_NESTING_DEPTH): JsonTextShape {
  let depth = 0;
  let deepest = 0;
  let members = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip the string: find the closing quote not preceded by an escaping backslash
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 58) {
      members++;
    } else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) return { excess: { char: c === 123 ? '{' : '[', offset: i }, members, depth: deepest };
      if (depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return { excess: undefined, members, depth: deepest };
}

/** Where text first nests deeper than max, or undefined. */
export function findExcessNesting(text: string, max = MAX_JSON_NESTING_DEPTH): DepthExcess | undefined {
  return scanJsonText(text, max).excess;
}

/** Go's scanner message for it. */
export function excessNestingMessage(e: DepthExcess): string {
  return `invalid character '${e.char}' exceeded max depth`;
}

/**
 * The nesting depth of a parsed value, walked with an explicit stack; stops counting past max.
 * For values that did not come from JSON text (YAML), where the text scan does not apply.
 */
export function valueDepthExceeds(value: unknown, max = MAX_JSON_NESTING_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return false;
}
