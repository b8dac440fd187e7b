/**
 * Changing typed values (see type-model.ts for how a value is typed): merge of an applied
 * configuration into a live object, removal of the paths of a field set, and Go zero values,
 * what upstream compares a created object with.
 */
import type { JsonObject, JsonValue } from '../api/object';
import type { FieldSchema } from '../schema/model';
import { FieldSet, serializePathElement, type PathElement } from './fieldset';
import {
  childType,
  isObj,
  itemElement,
  liveItemElements,
  setOwn,
  shapeOf,
  TypeModel,
  type TypeNode,
} from './type-model';

// ---------------------------------------------------------------------------
// merge of an applied configuration into a live object

export function merge(
  model: TypeModel,
  type: TypeNode,
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
): JsonValue | undefined {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  const ls = shapeOf(type, lhs);
  const rs = shapeOf(type, rhs);
  if (ls !== rs || rs === 'leaf') return rhs;
  if (rs === 'fields') {
    if (!isObj(lhs) || !isObj(rhs)) return rhs;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(lhs)) {
      // own members only: a live key `constructor` is not "in" an applied map that lacks it
      const m = Object.hasOwn(rhs, k) ? merge(model, model.member(type, k).type, v, rhs[k]) : v;
      if (m !== undefined) setOwn(out, k, m);
    }
    for (const [k, v] of Object.entries(rhs)) if (!Object.hasOwn(lhs, k)) setOwn(out, k, v);
    return out;
  }
  if (type.kind !== 'list' || !Array.isArray(lhs) || !Array.isArray(rhs)) return rhs;
  if (lhs.length === 0 && rhs.length === 0) return rhs;
  return mergeList(model, type, lhs, rhs);
}

/** Items in the live order, with the applied items placed where the configuration puts them. */
function mergeList(
  model: TypeModel,
  t: Extract<TypeNode, { kind: 'list' }>,
  lhs: JsonValue[],
  rhs: JsonValue[],
): JsonValue[] {
  const lPEs = liveItemElements(t, lhs).map(serializePathElement);
  const rPEs = rhs.map((item, i) => {
    try {
      return serializePathElement(itemElement(t, item));
    } catch {
      return `i:${i}`;
    }
  });
  const lVals = new Map<string, JsonValue | undefined>();
  lPEs.forEach((k, i) => lVals.set(k, lVals.has(k) ? undefined : lhs[i]));
  const rVals = new Map<string, JsonValue>();
  rPEs.forEach((k, i) => {
    if (!rVals.has(k)) rVals.set(k, rhs[i]);
  });
  const shared = rPEs.filter((k) => lVals.has(k));
  let nextShared = 0;
  const merged = new Set<string>();
  const out: JsonValue[] = [];
  const emit = (k: string): void => {
    const m = merge(model, t.elem, lVals.get(k), rVals.get(k));
    if (m !== undefined) out.push(m);
  };
  let l = 0;
  let r = 0;
  while (l < lPEs.length || r < rPEs.length) {
    if (l < lPEs.length && r < rPEs.length) {
      if (lPEs[l] === rPEs[r]) {
        merged.add(rPEs[r]);
        emit(rPEs[r]);
        l++;
        r++;
        if (shared[nextShared] === rPEs[r - 1]) nextShared++;
        continue;
      }
      if (rVals.has(lPEs[l]) && nextShared < shared.length && shared[nextShared] !== lPEs[l]) {
        l++;
        continue;
      }
    }
    if (l < lPEs.length) {
      const k = lPEs[l];
      if (!rVals.has(k)) {
        out.push(lhs[l]);
        l++;
        continue;
      } else if (merged.has(k)) l++;
    }
    if (r < rPEs.length) {
      const k = rPEs[r];
      if (!merged.has(k)) {
        merged.add(k);
        emit(k);
      }
      r++;
      if (shared[nextShared] === k) nextShared++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// removal of paths

/** A copy of value without the paths of set (members remove whole subtrees); undefined when nothing is left. */
export function removeItems(model: TypeModel, type: TypeNode, value: JsonValue, set: FieldSet): JsonValue | undefined {
  if (set.empty()) return value;
  const shape = shapeOf(type, value);
  if (shape === 'leaf') return value;
  if (shape === 'fields') {
    if (!isObj(value)) return value;
    if (Object.keys(value).length === 0) return value;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const pe: PathElement = { field: k };
      if (set.hasMember(pe)) continue;
      const sub = set.withPrefix(pe);
      if (sub.empty()) setOwn(out, k, v);
      else {
        const r = removeItems(model, model.member(type, k).type, v, sub);
        if (r !== undefined) setOwn(out, k, r);
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (!Array.isArray(value) || type.kind !== 'list' || value.length === 0) return value;
  const pes = liveItemElements(type, value);
  const out: JsonValue[] = [];
  pes.forEach((pe, i) => {
    if (set.hasMember(pe)) return;
    const sub = set.withPrefix(pe);
    if (sub.empty()) out.push(value[i]);
    else {
      const r = removeItems(model, type.elem, value[i], sub);
      if (r !== undefined) out.push(r);
    }
  });
  return out.length > 0 ? out : undefined;
}

/** The set with every struct field that has owned paths below it made a member too. */
export function ensureNamedFieldsAreMembers(model: TypeModel, type: TypeNode, set: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const [k, pe] of set.members) out.members.set(k, pe);
  for (const [k, c] of set.children) {
    const ct = childType(model, type, c.pe);
    out.children.set(k, { pe: c.pe, set: ensureNamedFieldsAreMembers(model, ct, c.set) });
    if ('field' in c.pe && type.kind === 'struct' && model.member(type, c.pe.field).declared) out.members.set(k, c.pe);
  }
  return out;
}

/**
 * The value as upstream sees a decoded Go object: non-pointer structs always present ({}),
 * nil slices, maps and pointers without omitempty present as null. Comparisons use it so that
 * a struct that only now gets content is not itself reported as added.
 */
export function withGoZeroValues(model: TypeModel, type: TypeNode, value: JsonValue): JsonValue {
  if (type.kind === 'struct' && isObj(value)) {
    const out: JsonObject = {};
    for (const [name, f] of model.membersOf(type.message)) {
      const v = value[name];
      if (v !== undefined) out[name] = withGoZeroValues(model, model.fieldType(f), v);
      else {
        const z = zeroMember(model, f, 0);
        if (z !== undefined) out[name] = z;
      }
    }
    for (const [k, v] of Object.entries(value)) if (!Object.hasOwn(out, k)) setOwn(out, k, v);
    return out;
  }
  if (type.kind === 'map' && isObj(value)) {
    // values that are leaves come back unchanged: the map itself is its Go view, no copy
    if (type.value.kind === 'leaf') return value;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, withGoZeroValues(model, type.value, v));
    return out;
  }
  if (type.kind === 'list' && Array.isArray(value)) return value.map((v) => withGoZeroValues(model, type.elem, v));
  return value;
}

// ---------------------------------------------------------------------------
// Go zero values: what upstream compares a created object with

function zeroScalar(type: string): JsonValue | undefined {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return null;
    default:
      return 0;
  }
}

/** The JSON of a zero-valued Go struct of the message (non-pointer structs present, nil pointers null unless omitempty). */
export function zeroObject(model: TypeModel, fullName: string, depth = 0): JsonObject {
  const out: JsonObject = {};
  if (!model.schemas.has(fullName) || depth > 32) return out;
  const message = model.schemas.message(fullName);
  for (const [name, f] of model.membersOf(message)) {
    const v = zeroMember(model, f, depth);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** A member of a zero-valued Go struct as encoding/json writes it; undefined when omitted. */
function zeroMember(model: TypeModel, f: FieldSchema, depth: number): JsonValue | undefined {
  if (f.label === 'repeated' || f.kind === 'map') return f.omitempty ? undefined : null;
  if (f.kind === 'message') {
    if (f.pointer) return f.omitempty ? undefined : null;
    if (!model.schemas.has(f.type)) return undefined;
    switch (model.schemas.message(f.type).customJson) {
      case undefined:
        return zeroObject(model, f.type, depth + 1);
      case 'Quantity':
        return '0';
      case 'IntOrString':
        return 0;
      case 'Duration':
        return '0s';
      default:
        return null;
    }
  }
  if (f.omitempty) return undefined;
  return f.pointer ? null : zeroScalar(f.type);
}
