/**
 * Structured views of Kubernetes JSON objects, read from the SchemaSet the way upstream's
 * structured-merge-diff reads the OpenAPI schema of built-in types:
 *   - structs: each member a field; `structType=atomic` makes the whole struct one leaf
 *   - maps: granular (each key its own field) unless `mapType=atomic`
 *   - lists: `listType` map (items identified by listMapKey), set (items identified by value),
 *     atomic (one leaf); without listType, `patchStrategy=merge` lists are associative
 *     (by patchMergeKey, or as sets without one) and every other list is atomic
 *   - free-form JSON and the custom JSON forms (Time, Quantity, IntOrString...) are leaves
 *   - members the schema does not describe are deduced from their value (objects granular)
 * On this view: field sets of values, comparison, merge of an applied configuration, and
 * removal of paths.
 */
import type { JsonObject, JsonValue } from '../api/object';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import { FieldSet, keyElement, pathString, serializePathElement, type Path, type PathElement } from './fieldset';

export type TypeNode =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'struct'; readonly message: MessageSchema }
  | { readonly kind: 'map'; readonly value: TypeNode }
  | {
      readonly kind: 'list';
      readonly rel: 'set' | 'map';
      readonly elem: TypeNode;
      readonly keys: readonly string[];
      /** defaults of key fields (upstream fills a missing key field from its default) */
      readonly keyDefaults: ReadonlyMap<string, JsonValue>;
    }
  | { readonly kind: 'deduced' };

const LEAF: TypeNode = { kind: 'leaf' };
const DEDUCED: TypeNode = { kind: 'deduced' };

function isObj(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A member of a user's map: any key, `__proto__` and `constructor` included, is plain data. */
function own(o: JsonObject, k: string): JsonValue | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function setOwn(o: JsonObject, k: string, v: JsonValue): void {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function markerText(v: string | boolean | string[] | undefined): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(',');
  return '';
}

function markerList(v: string | boolean | string[] | undefined): string[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v) return v.split(',').map((s) => s.trim());
  return [];
}

export class TypeModel {
  private readonly members = new WeakMap<MessageSchema, Map<string, FieldSchema>>();
  private readonly fieldTypes = new WeakMap<FieldSchema, TypeNode>();
  private readonly messageTypes = new Map<string, TypeNode>();

  constructor(readonly schemas: SchemaSet) {}

  /** The type of a top-level object of the message. */
  root(fullName: string): TypeNode {
    return this.messageNode(fullName);
  }

  messageNode(fullName: string): TypeNode {
    const hit = this.messageTypes.get(fullName);
    if (hit) return hit;
    let node: TypeNode;
    if (!this.schemas.has(fullName)) node = DEDUCED;
    else {
      const message = this.schemas.message(fullName);
      if (message.customJson) node = LEAF;
      else if (message.markers.structType === 'atomic') node = LEAF;
      else node = { kind: 'struct', message };
    }
    this.messageTypes.set(fullName, node);
    return node;
  }

  /** JSON members of a message, inline members flattened. */
  membersOf(message: MessageSchema): Map<string, FieldSchema> {
    let m = this.members.get(message);
    if (m) return m;
    m = new Map();
    for (const f of message.fields) {
      if (f.inline && f.kind === 'message' && this.schemas.has(f.type)) {
        for (const [name, inner] of this.membersOf(this.schemas.message(f.type))) if (!m.has(name)) m.set(name, inner);
      } else if (f.jsonName !== '' && f.jsonName !== '-') {
        m.set(f.jsonName, f);
      }
    }
    this.members.set(message, m);
    return m;
  }

  fieldType(field: FieldSchema): TypeNode {
    const hit = this.fieldTypes.get(field);
    if (hit) return hit;
    const node = this.computeFieldType(field);
    this.fieldTypes.set(field, node);
    return node;
  }

  private computeFieldType(field: FieldSchema): TypeNode {
    if (field.kind === 'map') {
      if (field.markers.mapType === 'atomic') return LEAF;
      const value = field.valueKind === 'message' && field.valueType ? this.messageNode(field.valueType) : LEAF;
      return { kind: 'map', value };
    }
    const elem = field.kind === 'message' ? this.messageNode(field.type) : LEAF;
    if (field.label === 'repeated') {
      if (field.kind === 'scalar' && field.type === 'bytes') return LEAF;
      const listType = markerText(field.markers.listType);
      let rel: 'set' | 'map' | 'atomic' = 'atomic';
      let keys: string[] = [];
      if (listType === 'map') {
        rel = 'map';
        keys = markerList(field.markers.listMapKey);
      } else if (listType === 'set') rel = 'set';
      else if (listType === '') {
        const strategy = markerList(field.markers.patchStrategy);
        if (strategy.includes('merge')) {
          const key = markerText(field.markers.patchMergeKey);
          if (key) {
            rel = 'map';
            keys = [key];
          } else rel = 'set';
        }
      }
      if (rel === 'atomic') return LEAF;
      if (rel === 'map' && keys.length === 0) rel = 'set';
      const keyDefaults = new Map<string, JsonValue>();
      if (rel === 'map' && elem.kind === 'struct') {
        const members = this.membersOf(elem.message);
        for (const k of keys) {
          const def = members.get(k)?.markers.default;
          if (typeof def === 'string') {
            try {
              keyDefaults.set(k, JSON.parse(def) as JsonValue);
            } catch {
              keyDefaults.set(k, def);
            }
          }
        }
      }
      return { kind: 'list', rel, elem, keys, keyDefaults };
    }
    if (field.markers.structType === 'atomic') return LEAF;
    // a field may make an atomic struct granular where it uses it (e.g. PersistentVolumeSpec.claimRef)
    if (field.markers.structType === 'granular' && field.kind === 'message' && this.schemas.has(field.type)) {
      const message = this.schemas.message(field.type);
      if (!message.customJson) return { kind: 'struct', message };
    }
    return elem;
  }

  /** The type of member `name` of a struct/map/deduced node; undefined when a struct does not declare it. */
  member(node: TypeNode, name: string): { type: TypeNode; declared: boolean } {
    if (node.kind === 'struct') {
      const f = this.membersOf(node.message).get(name);
      return f ? { type: this.fieldType(f), declared: true } : { type: DEDUCED, declared: false };
    }
    if (node.kind === 'map') return { type: node.value, declared: false };
    return { type: DEDUCED, declared: false };
  }
}

/** How a value is walked under a type: as one leaf, as a map of members, or as a list of identified items. */
type Shape = 'leaf' | 'fields' | 'items';

function shapeOf(type: TypeNode, v: JsonValue | undefined): Shape {
  switch (type.kind) {
    case 'leaf':
      return 'leaf';
    case 'struct':
    case 'map':
      return v === undefined || v === null || isObj(v) ? 'fields' : 'leaf';
    case 'list':
      return v === undefined || v === null || Array.isArray(v) ? 'items' : 'leaf';
    case 'deduced':
      return isObj(v) ? 'fields' : 'leaf';
  }
}

function childType(model: TypeModel, type: TypeNode, pe: PathElement): TypeNode {
  if ('field' in pe) return model.member(type, pe.field).type;
  if (type.kind === 'list') return type.elem;
  return DEDUCED;
}

// ---------------------------------------------------------------------------
// list item identity

export class ItemError extends Error {}

/** The path element of a list item; throws ItemError when the item cannot be identified. */
export function itemElement(type: Extract<TypeNode, { kind: 'list' }>, item: JsonValue): PathElement {
  if (type.rel === 'map') {
    if (!isObj(item)) throw new ItemError('associative list with keys may not have non-map elements');
    const fields: Array<[string, JsonValue]> = [];
    for (const k of type.keys) {
      const v = item[k];
      if (v === undefined) {
        const def = type.keyDefaults.get(k);
        if (def === undefined) {
          throw new ItemError(
            `associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
          );
        }
        fields.push([k, def]);
      } else fields.push([k, v]);
    }
    return keyElement(fields);
  }
  if (isObj(item)) throw new ItemError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new ItemError("associative list without keys has an element that's a list type");
  return { value: item };
}

/** Item elements of a list held in storage: items that cannot be identified fall back to their index. */
function liveItemElements(type: Extract<TypeNode, { kind: 'list' }>, list: JsonValue[]): PathElement[] {
  return list.map((item, i) => {
    try {
      return itemElement(type, item);
    } catch {
      return { index: i };
    }
  });
}

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

export type { Path };
