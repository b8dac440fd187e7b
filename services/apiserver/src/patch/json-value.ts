import { isPlainObject } from '../api/object';
import { patchBadRequest } from './errors';

export type JsonMap = Record<string, unknown>;

export { isPlainObject };

/** Own members only: patch keys such as "constructor" must never resolve through Object.prototype. */
export function hasOwn(obj: JsonMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function ownValue(obj: JsonMap, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** Assigning "__proto__" through `obj[key] = v` would replace the prototype instead of adding a member. */
export function setMember(obj: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Nesting of objects and arrays: a scalar is 0, `{}` and `[]` are 1. Iterative so hostile input cannot exhaust the stack. */
export function nestingDepth(root: unknown, stopAbove = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) {
      deepest = here;
      if (deepest > stopAbove) return deepest;
    }
    const children = Array.isArray(value) ? value : Object.values(value as JsonMap);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, here]);
    }
  }
  return deepest;
}

export const MAX_PATCH_DEPTH = 100;

/**
 * Every patch body passes here before it is interpreted: deeper nesting than the JSON codec
 * accepts is refused up front. Member names are not: `__proto__` is a valid ConfigMap key, and
 * the engines read own members only (hasOwn) and write through setMember.
 */
export function checkPatchDocument(patch: unknown): void {
  if (nestingDepth(patch, MAX_PATCH_DEPTH) > MAX_PATCH_DEPTH) {
    throw patchBadRequest(`the patch exceeds the maximum nesting depth of ${MAX_PATCH_DEPTH}`);
  }
}
