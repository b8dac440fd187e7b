/**
 * Strategic merge patch, kube-apiserver's default patch for built-in kinds, driven by the
 * message schema: objects merge member by member, lists marked patchStrategy=merge merge
 * by their patchMergeKey (or by value for lists of scalars), other lists replace, members
 * the schema does not know merge like a JSON merge patch. Directives:
 *   $patch: replace | delete        on an object; replace | delete on a list element
 *   $retainKeys: [...]              drop live members not listed
 *   $setElementOrder/<list>: [...]  final order of a merged list
 *   $deleteFromPrimitiveList/<list>: [...]  values to drop from a merged scalar list
 * Everything operates on a private copy of the live object and of the patch.
 */
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { SchemaSet } from '../schema/model';
import { patchBadRequest, patchRejected } from './errors';
import { cloneJson, hasOwn, isPlainObject, isScalar, jsonKind, setMember, type JsonMap } from './json-value';
import { firstIndexes, NO_KEY, orderMergedList, type ElementKey } from './list-order';
import { withoutNulls, mergePatchValue } from './merge-patch';
import { memberMeta, messageShape, type FieldMeta, type Shape } from './strategic-schema';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** `$setElementOrder/containers` -> `containers`; the prefix must be followed by exactly one slash. */
function directiveTarget(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix || slash === key.length - 1) {
    throw patchBadRequest(`${error}: ${show(key)}`);
  }
  return key.slice(slash + 1);
}

class StrategicMerge {
  constructor(private readonly schemas: SchemaSet) {}

  mergeObject(live: JsonMap, patch: JsonMap, shape: Shape): JsonMap {
    if (hasOwn(patch, PATCH)) {
      const directive = patch[PATCH];
      if (directive === 'replace') {
        const rest = { ...patch };
        delete rest[PATCH];
        return this.mergeObject({}, rest, shape);
      }
      // upstream leaves an empty object behind, which encodes as nothing for maps and pointers
      if (directive === 'delete') return {};
      throw patchBadRequest(`unknown patch type: ${show(directive)} in map: ${show(patch)}`);
    }
    const pending = new Set(Object.keys(patch));
    if (hasOwn(patch, RETAIN_KEYS)) {
      this.retainKeys(live, patch);
      pending.delete(RETAIN_KEYS);
    }
    for (const key of Object.keys(patch)) {
      if (key.startsWith(SET_ELEMENT_ORDER)) {
        pending.delete(key);
        const list = this.setElementOrder(live, patch, key, shape);
        if (list !== undefined) pending.delete(list);
      }
    }
    const deletions: string[] = [];
    for (const key of pending) {
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        deletions.push(key);
        continue;
      }
      const value = patch[key];
      if (value === null) {
        delete live[key];
        continue;
      }
      const meta = memberMeta(this.schemas, shape, key);
      if (!meta.known && shape.kind === 'message' && key.startsWith('$')) {
        throw patchBadRequest(`unknown strategic merge patch directive ${show(key)}`);
      }
      setMember(
        live,
        key,
        hasOwn(live, key) ? this.mergeValue(live[key], value, meta, key) : this.newValue(value, meta, key),
      );
    }
    for (const key of deletions) this.deleteFromPrimitiveList(live, patch, key, shape);
    return live;
  }

  private mergeValue(live: unknown, patch: unknown, meta: FieldMeta, name: string): unknown {
    if (meta.shape.kind === 'free' && !meta.list) return mergePatchValue(live, patch);
    if (!meta.list && isPlainObject(live) && isPlainObject(patch)) {
      return meta.strategy === 'replace' ? this.newValue(patch, meta, name) : this.mergeObject(live, patch, meta.shape);
    }
    if (meta.list && Array.isArray(live) && Array.isArray(patch) && meta.strategy === 'merge') {
      return this.mergeList(live, patch, meta, name);
    }
    return this.newValue(patch, meta, name);
  }

  /** A patch value with nothing live to merge into: its directives still apply and its nulls mean "absent". */
  private newValue(patch: unknown, meta: FieldMeta, name: string): unknown {
    if (meta.shape.kind === 'free' && !meta.list) return withoutNulls(patch);
    if (!meta.list && isPlainObject(patch)) return this.mergeObject({}, patch, meta.shape);
    if (meta.list && Array.isArray(patch)) {
      if (meta.strategy === 'merge') return this.mergeList([], patch, meta, name);
      return patch.map((el) => (isPlainObject(el) ? this.mergeObject({}, el, meta.shape) : el));
    }
    return patch;
  }

  private mergeList(live: unknown[], patch: unknown[], meta: FieldMeta, name: string): unknown[] {
    if (live.length === 0 && patch.length === 0) return live;
    for (const el of [live, patch].flat()) {
      // upstream answers lists of lists with its generic 422
      if (Array.isArray(el)) throw patchRejected('lists of lists are not supported');
    }
    if (meta.shape.kind !== 'message') return this.mergeScalarList(live, patch, name);
    for (const el of [live, patch].flat()) {
      if (!isPlainObject(el)) {
        throw patchBadRequest(`list element types are not identical: ${name} holds objects, got ${jsonKind(el)}`);
      }
    }
    if (!meta.mergeKey) return patch.map((el) => this.mergeObject({}, el as JsonMap, meta.shape));
    return this.mergeObjectList(live as JsonMap[], patch as JsonMap[], meta.mergeKey, meta.shape);
  }

  private mergeScalarList(live: unknown[], patch: unknown[], name: string): unknown[] {
    for (const el of [live, patch].flat()) {
      if (!isScalar(el) || el === null) {
        throw patchBadRequest(`list element types are not identical: ${name} holds scalars, got ${jsonKind(el)}`);
      }
    }
    const values = live.concat(patch) as ElementKey[];
    const merged = [...new Set(values)];
    return orderMergedList(
      merged,
      (v) => v,
      firstIndexes(patch as ElementKey[]),
      firstIndexes(values.slice(0, live.length)),
    );
  }

  private mergeObjectList(live: JsonMap[], patch: JsonMap[], mergeKey: string, shape: Shape): JsonMap[] {
    let kept = live;
    const regular: JsonMap[] = [];
    let replace = false;
    for (const el of patch) {
      if (!hasOwn(el, PATCH)) {
        regular.push(el);
        continue;
      }
      const directive = el[PATCH];
      if (directive === 'delete') {
        const key = requiredMergeKey(el, mergeKey);
        kept = kept.filter((item) => liveMergeKey(item, mergeKey) !== key);
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw patchBadRequest('merging lists cannot yet be specified in the patch');
      } else {
        throw patchBadRequest(`unknown patch type: ${show(directive)} in map: ${show(el)}`);
      }
    }
    const patchKeys = regular.map((el) => requiredMergeKey(el, mergeKey));
    if (replace) return regular.map((el) => this.mergeObject({}, el, shape));

    const liveOrder = firstIndexes(kept.map((item) => liveMergeKey(item, mergeKey)));
    const position = new Map(liveOrder);
    const merged = kept.slice();
    regular.forEach((el, i) => {
      const at = position.get(patchKeys[i]);
      if (at === undefined) {
        position.set(patchKeys[i], merged.length);
        merged.push(this.mergeObject({}, el, shape));
      } else {
        merged[at] = this.mergeObject(merged[at], el, shape);
      }
    });
    return orderMergedList(merged, (item) => liveMergeKey(item, mergeKey), firstIndexes(patchKeys), liveOrder);
  }

  private retainKeys(live: JsonMap, patch: JsonMap): void {
    const list = patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw patchBadRequest(`${BAD_RETAIN_KEYS}: $retainKeys must be a list`);
    const keep = new Set(list);
    for (const key of Object.keys(patch)) {
      if (key === RETAIN_KEYS || patch[key] === null) continue;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!keep.has(key))
        throw patchBadRequest(`${BAD_RETAIN_KEYS}: ${show(key)} is patched but not listed in $retainKeys`);
    }
    for (const key of Object.keys(live)) {
      if (!keep.has(key)) delete live[key];
    }
  }

  /** Merges the list named by a $setElementOrder directive and orders it; returns that list's name (now handled). */
  private setElementOrder(live: JsonMap, patch: JsonMap, key: string, shape: Shape): string | undefined {
    const name = directiveTarget(key, SET_ELEMENT_ORDER, BAD_SET_ELEMENT_ORDER);
    const order = patch[key];
    if (!Array.isArray(order)) throw patchBadRequest(`${BAD_SET_ELEMENT_ORDER}: ${key} must be a list`);
    const meta = memberMeta(this.schemas, shape, name);
    if (!meta.list || meta.strategy !== 'merge' || (meta.shape.kind === 'message' && !meta.mergeKey)) {
      throw patchBadRequest(`${BAD_SET_ELEMENT_ORDER}: ${show(name)} is not a list merged by key or value`);
    }
    const liveList = hasOwn(live, name) ? live[name] : undefined;
    const patchList = hasOwn(patch, name) ? patch[name] : undefined;
    if (liveList !== undefined && !Array.isArray(liveList)) {
      throw patchBadRequest(`${BAD_SET_ELEMENT_ORDER}: ${show(name)} is not a list in the object`);
    }
    if (patchList !== undefined && !Array.isArray(patchList)) {
      throw patchBadRequest(`${BAD_SET_ELEMENT_ORDER}: ${show(name)} must be a list next to ${key}`);
    }
    const mergeKey = meta.shape.kind === 'message' ? meta.mergeKey : undefined;
    const orderKeys = order.map((el) => (mergeKey ? requiredMergeKey(el, mergeKey) : requiredScalar(el, key)));
    if (patchList) checkOrderAgreesWithPatch(patchList, orderKeys, mergeKey, key);
    if (liveList === undefined && patchList === undefined) return name;

    const merged = patchList ? this.mergeList(liveList ?? [], patchList, meta, name) : (liveList ?? []);
    const keyOf = (item: unknown): ElementKey => (mergeKey ? liveMergeKey(item, mergeKey) : (item as ElementKey));
    const liveOrder = firstIndexes((liveList ?? []).map(keyOf));
    setMember(live, name, orderMergedList(merged, keyOf, firstIndexes(orderKeys), liveOrder));
    return name;
  }

  private deleteFromPrimitiveList(live: JsonMap, patch: JsonMap, key: string, shape: Shape): void {
    const name = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST, BAD_PRIMITIVE_LIST);
    const values = patch[key];
    if (!Array.isArray(values)) throw patchBadRequest(`${BAD_PRIMITIVE_LIST}: ${key} must be a list`);
    const meta = memberMeta(this.schemas, shape, name);
    if (!meta.list || meta.strategy !== 'merge' || meta.shape.kind === 'message') {
      throw patchBadRequest(`${BAD_PRIMITIVE_LIST}: ${show(name)} is not a list of scalars merged by value`);
    }
    for (const v of values) requiredScalar(v, key);
    if (!hasOwn(live, name)) return;
    const list = live[name];
    if (!Array.isArray(list)) throw patchBadRequest(`${BAD_PRIMITIVE_LIST}: ${show(name)} is not a list in the object`);
    const drop = new Set(values);
    setMember(
      live,
      name,
      list.filter((v) => !drop.has(v)),
    );
  }
}

function requiredMergeKey(el: unknown, mergeKey: string): ElementKey {
  if (!isPlainObject(el)) throw patchBadRequest(`expected a map with merge key ${show(mergeKey)}, got ${jsonKind(el)}`);
  if (!hasOwn(el, mergeKey)) throw patchBadRequest(`map: ${show(el)} does not contain declared merge key: ${mergeKey}`);
  const key = el[mergeKey];
  if (!isScalar(key)) throw patchBadRequest(`map: ${show(el)} has a non-scalar value for merge key ${mergeKey}`);
  return key;
}

function liveMergeKey(item: unknown, mergeKey: string): ElementKey {
  if (!isPlainObject(item) || !hasOwn(item, mergeKey)) return NO_KEY;
  const key = item[mergeKey];
  return isScalar(key) ? key : NO_KEY;
}

function requiredScalar(v: unknown, where: string): ElementKey {
  if (!isScalar(v) || v === null) throw patchBadRequest(`${where}: expected scalar values, got ${jsonKind(v)}`);
  return v;
}

/** The patch list's own order must be a subsequence of $setElementOrder (elements carrying directives aside). */
function checkOrderAgreesWithPatch(
  patchList: unknown[],
  orderKeys: ElementKey[],
  mergeKey: string | undefined,
  key: string,
): void {
  if (orderKeys.length === 0) return;
  let at = 0;
  for (const el of patchList) {
    if (mergeKey && isPlainObject(el) && hasOwn(el, PATCH)) continue;
    const k = mergeKey ? requiredMergeKey(el, mergeKey) : requiredScalar(el, key);
    while (at < orderKeys.length && orderKeys[at] !== k) at++;
    if (at === orderKeys.length) {
      throw patchBadRequest(
        `${BAD_SET_ELEMENT_ORDER}: the order in the patch list ${show(patchList)} doesn't match ${key} ${show(orderKeys)}`,
      );
    }
    at++;
  }
}

export function applyStrategicMergePatch(
  schemas: SchemaSet,
  messageType: string,
  current: KubeObject,
  patch: unknown,
): KubeObject {
  // upstream decodes a `null` body into an empty patch
  if (patch === null) return cloneJson(current);
  if (!isPlainObject(patch)) {
    throw patchBadRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  const shape = messageShape(schemas, messageType);
  if (shape.kind !== 'message') {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  return new StrategicMerge(schemas).mergeObject(cloneJson(current) as JsonMap, cloneJson(patch), shape) as KubeObject;
}
