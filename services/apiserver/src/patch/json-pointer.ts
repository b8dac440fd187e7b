import { patchRejected } from './errors';
import { hasOwn, isPlainObject, type JsonMap } from './json-value';

/** RFC 6901 tokens of a pointer; undefined when the text is not a pointer at all. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return tokens;
}

export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export interface Location {
  /** the pointer with every array index made absolute (kube-apiserver accepts negative indices) */
  tokens: string[];
  parent: JsonMap | unknown[];
  /** member name, or array index (for an insert, possibly the array length) */
  key: string | number;
  exists: boolean;
}

const INDEX = /^[+-]?\d+$/;

/** An array index as upstream's json-patch reads it: negative counts from the end, `size` is the array length (+1 for inserts). */
function arrayIndex(token: string, size: number, path: string): number {
  if (!INDEX.test(token)) throw patchRejected(`value was not a proper array index: '${token}' in ${path}`);
  let idx = Number(token);
  if (idx < 0) {
    if (idx < -size) throw patchRejected(`index out of range: ${token} in ${path}`);
    idx += size;
  }
  if (idx >= size) throw patchRejected(`index out of range: ${token} in ${path}`);
  return idx;
}

/**
 * Walks to the container of the pointer's last token through own members only.
 * `forInsert` lets the last token name a new member, the array end ("-") or the slot after the last element.
 */
export function locate(doc: unknown, pointer: string, tokens: string[], forInsert: boolean): Location {
  if (tokens.length === 0)
    throw patchRejected(`the whole document cannot be the target of this operation: "${pointer}"`);
  const resolved: string[] = [];
  let node: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i];
    if (Array.isArray(node)) {
      const idx = arrayIndex(token, node.length, pointer);
      resolved.push(String(idx));
      node = node[idx];
    } else if (isPlainObject(node) && hasOwn(node, token)) {
      resolved.push(token);
      node = node[token];
    } else {
      throw patchRejected(`doc is missing path: "${pointer}"`);
    }
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(node)) {
    const idx =
      forInsert && last === '-' ? node.length : arrayIndex(last, forInsert ? node.length + 1 : node.length, pointer);
    resolved.push(String(idx));
    return { tokens: resolved, parent: node, key: idx, exists: idx < node.length };
  }
  if (isPlainObject(node)) {
    resolved.push(last);
    return { tokens: resolved, parent: node, key: last, exists: hasOwn(node, last) };
  }
  throw patchRejected(`doc is missing path: "${pointer}"`);
}

export function valueAt(loc: Location): unknown {
  return Array.isArray(loc.parent) ? loc.parent[loc.key as number] : (loc.parent as JsonMap)[loc.key as string];
}
