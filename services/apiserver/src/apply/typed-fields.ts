/**
 * Field sets and comparison of typed values (see type-model.ts for how a value is typed): the
 * checks upstream makes when it types an applied configuration, the set of fields a value sets,
 * and which fields differ between two values.
 */
import type { JsonObject, JsonValue } from '../api/object';
import { FieldSet, pathString, serializePathElement, type PathElement } from './fieldset';
import { isObj, itemElement, liveItemElements, own, shapeOf, TypeModel, type TypeNode } from './type-model';

// ---------------------------------------------------------------------------
// validation of an applied configuration (what upstream checks when it types the patch)

export function validateApplied(model: TypeModel, type: TypeNode, value: JsonValue): string[] {
  const errs: string[] = [];
  const walk = (t: TypeNode, v: JsonValue, path: PathElement[]): void => {
    const shape = shapeOf(t, v);
    // leaves hold nothing to check: a map of them (ConfigMap data) needs no walk per key
    if (t.kind === 'map' && t.value.kind === 'leaf') return;
    if (shape === 'fields' && isObj(v)) {
      for (const [k, child] of Object.entries(v)) walk(model.member(t, k).type, child, [...path, { field: k }]);
    } else if (shape === 'items' && Array.isArray(v) && t.kind === 'list') {
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        let pe: PathElement;
        try {
          pe = itemElement(t, item);
        } catch (e) {
          // without the item's identity nothing below it can be checked: the rest of the list is skipped
          errs.push(`${pathString(path)}: element ${i}: ${(e as Error).message}`);
          return;
        }
        const k = serializePathElement(pe);
        if (seen.has(k)) errs.push(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
        seen.add(k);
        walk(t.elem, item, [...path, pe]);
      }
    }
  };
  walk(type, value, []);
  return errs;
}

// ---------------------------------------------------------------------------
// field set of a value

export function toFieldSet(model: TypeModel, type: TypeNode, value: JsonValue): FieldSet {
  const set = new FieldSet();
  const walk = (t: TypeNode, v: JsonValue, path: PathElement[]): void => {
    const shape = shapeOf(t, v);
    if (shape === 'leaf') {
      set.insert(path);
      return;
    }
    if (shape === 'fields') {
      if (!isObj(v)) return;
      if (t.kind === 'map' && t.value.kind === 'leaf') {
        // each key is a leaf member: the map's node is found once, not once per key
        const keys = Object.keys(v);
        if (keys.length === 0) return;
        const node = set.node(path);
        for (const k of keys) node.addMember({ field: k });
        return;
      }
      for (const [k, child] of Object.entries(v)) {
        const { type: ct, declared } = model.member(t, k);
        const p = [...path, { field: k }];
        walk(ct, child, p);
        if (child === null || (isObj(child) && hasNoKeys(child)) || !declared) set.insert(p);
      }
      return;
    }
    if (!Array.isArray(v) || t.kind !== 'list') return;
    const pes = liveItemElements(t, v);
    const counts = new Map<string, number>();
    for (const pe of pes) counts.set(serializePathElement(pe), (counts.get(serializePathElement(pe)) ?? 0) + 1);
    pes.forEach((pe, i) => {
      const p = [...path, pe];
      if ((counts.get(serializePathElement(pe)) ?? 0) < 2) walk(t.elem, v[i], p);
      set.insert(p);
    });
  };
  walk(type, value, []);
  return set;
}

// ---------------------------------------------------------------------------
// comparison

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function hasNoKeys(v: JsonObject): boolean {
  for (const k in v) if (Object.hasOwn(v, k)) return false;
  return true;
}

function isEmptyContainer(v: JsonValue | undefined): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && hasNoKeys(v));
}

/** What changed from lhs to rhs, path by path (undefined: absent). */
export function compare(
  model: TypeModel,
  type: TypeNode,
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[]): void => {
    if (l === undefined) out.added.insert(path);
    else if (r === undefined) out.removed.insert(path);
    else if (!deepEqual(l, r)) out.modified.insert(path);
  };
  /**
   * A granular map of leaves (ConfigMap data, labels): what walking each key as a leaf would
   * record, with the map's node in each set found once rather than once per key.
   */
  const leafMap = (lo: JsonObject, ro: JsonObject, path: PathElement[]): void => {
    let added: FieldSet | undefined;
    let removed: FieldSet | undefined;
    let modified: FieldSet | undefined;
    const node = (set: FieldSet): FieldSet => (path.length === 0 ? set : set.node(path));
    for (const k of Object.keys(lo)) {
      const pe = { field: k };
      if (!Object.hasOwn(ro, k)) (removed ??= node(out.removed)).addMember(pe);
      else if (!deepEqual(lo[k], ro[k])) (modified ??= node(out.modified)).addMember(pe);
    }
    for (const k of Object.keys(ro)) {
      if (!Object.hasOwn(lo, k)) (added ??= node(out.added)).addMember({ field: k });
    }
  };
  const walk = (t: TypeNode, l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[]): void => {
    const ls = l === undefined ? undefined : shapeOf(t, l);
    const rs = r === undefined ? undefined : shapeOf(t, r);
    const shape = ls ?? rs ?? 'leaf';
    if (shape === 'leaf' || (ls && rs && ls !== rs) || (isEmptyContainer(l) && isEmptyContainer(r))) {
      leaf(l, r, path);
      return;
    }
    if (shape === 'fields') {
      const lo = isObj(l) ? l : {};
      const ro = isObj(r) ? r : {};
      if (t.kind === 'map' && t.value.kind === 'leaf') leafMap(lo, ro, path);
      else {
        const keys = new Set([...Object.keys(lo), ...Object.keys(ro)]);
        for (const k of keys) walk(model.member(t, k).type, own(lo, k), own(ro, k), [...path, { field: k }]);
      }
    } else if (t.kind === 'list') {
      const la = Array.isArray(l) ? l : [];
      const ra = Array.isArray(r) ? r : [];
      const lItems = groupItems(t, la);
      const rItems = groupItems(t, ra);
      const order = [...lItems.keys(), ...[...rItems.keys()].filter((k) => !lItems.has(k))];
      for (const k of order) {
        const li = lItems.get(k);
        const ri = rItems.get(k);
        const pe = (li ?? ri)?.pe;
        if (!pe) continue;
        const lv = li?.values ?? [];
        const rv = ri?.values ?? [];
        const p = [...path, pe];
        if (lv.length <= 1 && rv.length <= 1) walk(t.elem, lv[0], rv[0], p);
        else if (lv.length >= 2 && rv.length >= 2) {
          if (lv.length !== rv.length || lv.some((x, i) => !deepEqual(x, rv[i]))) out.modified.insert(p);
        } else if (lv.length >= 2) {
          if (rv.length) walk(t.elem, undefined, rv[0], p);
          out.removed.insert(p);
        } else {
          if (lv.length) walk(t.elem, lv[0], undefined, p);
          out.added.insert(p);
        }
      }
    }
    if (path.length > 0) {
      if (l === undefined) out.added.insert(path);
      else if (r === undefined) out.removed.insert(path);
    }
  };
  walk(type, lhs, rhs, []);
  return out;
}

function groupItems(
  t: Extract<TypeNode, { kind: 'list' }>,
  list: JsonValue[],
): Map<string, { pe: PathElement; values: JsonValue[] }> {
  const out = new Map<string, { pe: PathElement; values: JsonValue[] }>();
  liveItemElements(t, list).forEach((pe, i) => {
    const k = serializePathElement(pe);
    const hit = out.get(k);
    if (hit) hit.values.push(list[i]);
    else out.set(k, { pe, values: [list[i]] });
  });
  return out;
}
