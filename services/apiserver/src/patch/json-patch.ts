/**
 * RFC 6902 JSON patch with kube-apiserver's rules around it: at most 10000 operations (413),
 * a body that is not a list of operation objects is a 400, and any operation that cannot be
 * applied (failed test, missing path, unknown op) is the generic 422. Paths accept negative
 * array indices and a `test` of a missing member against null succeeds, as upstream's
 * json-patch library does. fast-json-patch performs the equality test.
 */
import { _areEquals } from 'fast-json-patch';
import type { KubeObject } from '../api/object';
import { patchBadRequest, patchRejected, tooManyOperations } from './errors';
import { locate, parsePointer, valueAt, type Location } from './json-pointer';
import { cloneJson, hasOwn, isPlainObject, nestingDepth, setMember, MAX_PATCH_DEPTH, type JsonMap } from './json-value';

export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** kube-apiserver's default for --json-patch-max-copy-bytes is its request body limit (3 MiB) */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

interface OperationInput {
  op: string;
  path: string;
  from?: string;
  value: unknown;
  hasValue: boolean;
}

function stringMember(op: JsonMap, name: string, index: number): string | undefined {
  if (!hasOwn(op, name)) return undefined;
  const v = op[name];
  if (typeof v !== 'string') {
    throw patchBadRequest(
      `error decoding patch: json: cannot unmarshal ${typeof v} into Go struct field jsonPatchOp.${name} of type string (operation ${index})`,
    );
  }
  return v;
}

/** The decode step: what upstream's patch decoding rejects with 400 before any operation runs. */
function decodeOperations(patch: unknown): OperationInput[] {
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    throw patchBadRequest(
      `json: cannot unmarshal ${isPlainObject(patch) ? 'object' : typeof patch} into Go value of type jsonpatch.Patch`,
    );
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) throw tooManyOperations(MAX_JSON_PATCH_OPERATIONS, patch.length);
  return patch.map((raw, index) => {
    if (raw === null) return { op: '', path: '', value: null, hasValue: false };
    if (!isPlainObject(raw)) {
      throw patchBadRequest(
        `json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type jsonpatch.Operation`,
      );
    }
    return {
      op: stringMember(raw, 'op', index) ?? '',
      path: stringMember(raw, 'path', index) ?? '',
      from: stringMember(raw, 'from', index),
      value: hasOwn(raw, 'value') ? cloneJson(raw.value) : null,
      hasValue: hasOwn(raw, 'value'),
    };
  });
}

function pointerOf(text: string | undefined, what: string, op: string): string[] {
  const tokens = text === undefined ? undefined : parsePointer(text);
  if (!tokens) throw patchRejected(`${op} operation does not apply: invalid ${what} ${JSON.stringify(text ?? '')}`);
  return tokens;
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length < of.length && prefix.every((t, i) => of[i] === t);
}

class JsonPatchRun {
  private copiedBytes = 0;
  private depthBound: number;
  private exactDepthChecks = 0;

  constructor(private doc: KubeObject) {
    this.depthBound = nestingDepth(doc);
  }

  result(): KubeObject {
    return this.doc;
  }

  apply(o: OperationInput): void {
    switch (o.op) {
      case 'add':
      case 'replace': {
        const tokens = pointerOf(o.path, 'path', o.op);
        const loc = locate(this.doc, o.path, tokens, o.op === 'add');
        if (o.op === 'replace' && !loc.exists)
          throw patchRejected(`replace operation does not apply: doc is missing key: ${o.path}`);
        this.growDepth(tokens.length + nestingDepth(o.value), true);
        this.edit(o.op, loc, o.value);
        return;
      }
      case 'remove': {
        const loc = locate(this.doc, o.path, pointerOf(o.path, 'path', o.op), false);
        if (!loc.exists) throw patchRejected(`Unable to remove nonexistent key: ${o.path}`);
        this.edit('remove', loc);
        return;
      }
      case 'move': {
        const fromTokens = pointerOf(o.from, 'from', o.op);
        const pathTokens = pointerOf(o.path, 'path', o.op);
        const from = locate(this.doc, o.from ?? '', fromTokens, false);
        if (!from.exists) throw patchRejected(`move operation does not apply: doc is missing from path: ${o.from}`);
        if (isPrefix(from.tokens, pathTokens))
          throw patchRejected(`move operation does not apply: ${o.path} is inside ${o.from}`);
        const value = valueAt(from);
        this.edit('remove', from);
        const to = locate(this.doc, o.path, pathTokens, true);
        this.edit('add', to, value);
        this.growDepth(pathTokens.length + Math.max(0, this.depthBound - fromTokens.length), false);
        return;
      }
      case 'copy': {
        const from = locate(this.doc, o.from ?? '', pointerOf(o.from, 'from', o.op), false);
        if (!from.exists) throw patchRejected(`copy operation does not apply: doc is missing from path: ${o.from}`);
        const pathTokens = pointerOf(o.path, 'path', o.op);
        const to = locate(this.doc, o.path, pathTokens, true);
        const value = cloneJson(valueAt(from));
        this.countCopy(value);
        this.growDepth(pathTokens.length + nestingDepth(value), true);
        this.edit('add', to, value);
        return;
      }
      case 'test':
        this.test(o);
        return;
      default:
        throw patchRejected(`Unexpected kind: ${o.op || 'unknown'}`);
    }
  }

  private test(o: OperationInput): void {
    const tokens = pointerOf(o.path, 'path', o.op);
    let actual: unknown = this.doc;
    if (tokens.length > 0) {
      let loc;
      try {
        loc = locate(this.doc, o.path, tokens, false);
      } catch {
        loc = undefined;
      }
      if (!loc || !loc.exists) {
        // upstream: testing a missing member against null (or no value) succeeds
        if (o.value === null) return;
        throw patchRejected(`testing value ${o.path} failed: test failed`);
      }
      actual = valueAt(loc);
    }
    if (!_areEquals(actual, o.value)) throw patchRejected(`testing value ${o.path} failed: test failed`);
  }

  private countCopy(value: unknown): void {
    this.copiedBytes += JSON.stringify(value).length;
    if (this.copiedBytes > MAX_JSON_PATCH_COPY_BYTES) {
      throw patchRejected(
        `Unable to complete the copy, the accumulated size increase of copy is ${this.copiedBytes}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
      );
    }
  }

  /**
   * Keeps an upper bound of the document's nesting so repeated adds cannot build a structure
   * deep enough to break later stages. `exact` bounds are the real depth of the edited branch;
   * a move only gives a loose one, checked against the document when it matters.
   */
  private growDepth(candidate: number, exact: boolean): void {
    if (candidate <= this.depthBound) return;
    if (candidate <= MAX_PATCH_DEPTH) {
      this.depthBound = candidate;
      return;
    }
    if (!exact && this.exactDepthChecks++ < 100) {
      const actual = nestingDepth(this.doc, MAX_PATCH_DEPTH);
      if (actual <= MAX_PATCH_DEPTH) {
        this.depthBound = actual;
        return;
      }
    }
    throw patchRejected(`the patched object would exceed the maximum nesting depth of ${MAX_PATCH_DEPTH}`);
  }

  /**
   * One edit at a location locate() already resolved through own members. Done here rather than
   * by the library, which refuses any `__proto__` token: a ConfigMap key or label may be named
   * that, and setMember stores it as data.
   */
  private edit(op: 'add' | 'replace' | 'remove', loc: Location, value?: unknown): void {
    const { parent, key } = loc;
    if (Array.isArray(parent)) {
      const idx = key as number;
      if (op === 'add') parent.splice(idx, 0, value);
      else if (op === 'replace') parent[idx] = value;
      else parent.splice(idx, 1);
      return;
    }
    const k = key as string;
    if (op === 'remove') delete parent[k];
    else setMember(parent, k, value);
  }
}

export function applyJsonPatch(current: KubeObject, patch: unknown): KubeObject {
  const operations = decodeOperations(patch);
  const run = new JsonPatchRun(cloneJson(current));
  for (const o of operations) run.apply(o);
  return run.result();
}
