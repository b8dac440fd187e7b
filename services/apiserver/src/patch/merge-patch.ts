/**
 * RFC 7386 JSON merge patch, with the null handling of the json-patch library kube-apiserver
 * uses: a null deletes a member, and nulls inside a newly added object are dropped (also in
 * objects nested in arrays), while arrays themselves replace whole.
 */
import type { KubeObject } from '../api/object';
import { patchBadRequest } from './errors';
import { cloneJson, hasOwn, isPlainObject, setMember, type JsonMap } from './json-value';

/** A patch value as it lands where nothing is merged into it: nulls in objects mean "absent". */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === null ? null : withoutNulls(v)));
  if (!isPlainObject(value)) return value;
  const out: JsonMap = {};
  for (const key of Object.keys(value)) {
    if (value[key] !== null) setMember(out, key, withoutNulls(value[key]));
  }
  return out;
}

/** Merges `patch` into `target` (mutated when both are objects); returns the merged value. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  // an array replacing an object keeps its nulls; replacing anything else it is cleaned like a new value
  if (!isPlainObject(patch)) return isPlainObject(target) ? patch : withoutNulls(patch);
  if (!isPlainObject(target)) return withoutNulls(patch);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete target[key];
    } else if (hasOwn(target, key) && target[key] !== null) {
      setMember(target, key, mergePatchValue(target[key], value));
    } else {
      setMember(target, key, withoutNulls(value));
    }
  }
  return target;
}

export function applyMergePatch(current: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) {
    throw patchBadRequest('Invalid JSON Patch');
  }
  return mergePatchValue(cloneJson(current), cloneJson(patch)) as KubeObject;
}
