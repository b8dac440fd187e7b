/**
 * Field sets: the sets of paths a manager owns, in the shape upstream's managedFields
 * carry them (FieldsV1). A path is a list of path elements:
 *   - a struct field or a granular map key   f:<name>
 *   - an item of an associative list          k:{"<key>":<value>,...}   (key fields sorted by name)
 *   - an item of a set list                   v:<json value>
 *   - a list index (only for lists whose items have no identity)   i:<n>
 * A set node holds "members" (paths owned themselves) and "children" (paths below).
 */
import type { JsonValue } from '../api/object';

export type PathElement =
  | { readonly field: string }
  | { readonly key: ReadonlyArray<readonly [string, JsonValue]> }
  | { readonly value: JsonValue }
  | { readonly index: number };

export type Path = readonly PathElement[];

function isObj(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------
// canonical JSON (Go's encoding/json: sorted object keys, HTML-safe escapes)

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function canonicalJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${goString(k)}:${canonicalJson(v[k])}`).join(',')}}`;
}

// ---------------------------------------------------------------------------
// ordering of values and path elements (fields < keys < values < indexes)

function valueRank(v: JsonValue): number {
  if (typeof v === 'number') return Number.isInteger(v) ? 1 : 0;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  if (v !== null) return 5;
  return 6;
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (typeof a === 'number' && typeof b === 'number') return cmp(a, b);
  if (ra !== rb) return cmp(ra, rb);
  if (typeof a === 'string' && typeof b === 'string') return cmp(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return cmp(Number(a), Number(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return cmp(a.length, b.length);
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = cmp(ka[i], kb[i]) || compareValues(a[ka[i]], b[kb[i]]);
      if (c !== 0) return c;
    }
    return cmp(ka.length, kb.length);
  }
  return 0;
}

function peRank(pe: PathElement): number {
  if ('field' in pe) return 0;
  if ('key' in pe) return 1;
  if ('value' in pe) return 2;
  return 3;
}

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = peRank(a);
  const rb = peRank(b);
  if (ra !== rb) return cmp(ra, rb);
  if ('field' in a && 'field' in b) return cmp(a.field, b.field);
  if ('key' in a && 'key' in b) {
    for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) {
      const c = cmp(a.key[i][0], b.key[i][0]) || compareValues(a.key[i][1], b.key[i][1]);
      if (c !== 0) return c;
    }
    return cmp(a.key.length, b.key.length);
  }
  if ('value' in a && 'value' in b) return compareValues(a.value, b.value);
  if ('index' in a && 'index' in b) return cmp(a.index, b.index);
  return 0;
}

// ---------------------------------------------------------------------------
// serialization of path elements

export function keyElement(fields: Iterable<readonly [string, JsonValue]>): PathElement {
  const key = [...fields].sort((x, y) => cmp(x[0], y[0]));
  return { key };
}

/** The FieldsV1 form of one path element, e.g. `f:image`, `k:{"name":"nginx"}`. */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:{${pe.key.map(([k, v]) => `${goString(k)}:${canonicalJson(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${canonicalJson(pe.value)}`;
  return `i:${pe.index}`;
}

export class FieldsV1Error extends Error {}

/** Parses one FieldsV1 key; undefined for an unknown element type (skipped, as upstream does). */
export function parsePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new FieldsV1Error('key must be 2 characters long');
  if (s[1] !== ':') throw new FieldsV1Error(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: rest };
    case 'v':
      return { value: parseJson(rest) };
    case 'k': {
      const v = parseJson(rest);
      if (!isObj(v)) throw new FieldsV1Error(`invalid key element: ${s}`);
      return keyElement(Object.entries(v));
    }
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new FieldsV1Error(`invalid index element: ${s}`);
      return { index: Number(rest) };
    }
    default:
      return undefined;
  }
}

function parseJson(s: string): JsonValue {
  try {
    return JSON.parse(s) as JsonValue;
  } catch (e) {
    throw new FieldsV1Error(`invalid path element value ${JSON.stringify(s)}: ${(e as Error).message}`);
  }
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function valueToString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  return Object.keys(v)
    .sort()
    .map((k) => `${k}=${valueToString(v[k])}`)
    .join('');
}

/** Upstream's human form of a path element, e.g. `.spec`, `[name="nginx"]`, `[="x"]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  if ('field' in pe) return `.${pe.field}`;
  if ('key' in pe) return `[${pe.key.map(([k, v]) => `${k}=${valueToString(v)}`).join(',')}]`;
  if ('value' in pe) return `[=${valueToString(pe.value)}]`;
  return `[${pe.index}]`;
}

export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

// ---------------------------------------------------------------------------
// the set

interface Child {
  pe: PathElement;
  set: FieldSet;
}

export class FieldSet {
  /** serialized path element → element, for paths owned at this level */
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  empty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]);
    node.members.set(serializePathElement(path[path.length - 1]), path[path.length - 1]);
  }

  /** The set below path, created when missing. */
  node(path: Path): FieldSet {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let node: FieldSet = this;
    for (const pe of path) node = node.descend(pe);
    return node;
  }

  addMember(pe: PathElement): void {
    this.members.set(serializePathElement(pe), pe);
  }

  /** The child set under pe, created when missing. */
  descend(pe: PathElement): FieldSet {
    const k = serializePathElement(pe);
    let c = this.children.get(k);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(serializePathElement(path[i]))?.set;
    return !!node && node.members.has(serializePathElement(path[path.length - 1]));
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  /** The paths below pe (an empty set when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) out.children.set(k, { pe: c.pe, set: c.set.copy() });
    return out;
  }

  /**
   * Set operations share the subtrees they leave unchanged with their operands instead of
   * copying them: sets are not modified once built (insert and addAll run on sets under
   * construction only), and a map of 200,000 keys is otherwise copied at every step.
   */
  union(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    if (this.empty()) return other;
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      out.children.set(k, o ? { pe: c.pe, set: c.set.union(o.set) } : c);
    }
    for (const [k, c] of other.children) if (!this.children.has(k)) out.children.set(k, c);
    return out;
  }

  /** In-place union. */
  addAll(other: FieldSet): void {
    for (const [k, pe] of other.members) this.members.set(k, pe);
    for (const [k, c] of other.children) {
      const mine = this.children.get(k);
      if (mine) mine.set.addAll(c.set);
      else this.children.set(k, { pe: c.pe, set: c.set.copy() });
    }
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const sub = c.set.intersection(o.set);
      if (!sub.empty()) out.children.set(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) {
        out.children.set(k, c);
        continue;
      }
      const sub = c.set.difference(o.set);
      if (!sub.empty()) out.children.set(k, sub === c.set ? c : { pe: c.pe, set: sub });
    }
    return out;
  }

  /** Difference that also drops everything below a member of other (other's members are prefixes). */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      const sub = o ? c.set.recursiveDifference(o.set) : c.set.copy();
      if (!sub.empty()) out.children.set(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.members.size !== other.members.size || this.children.size !== other.children.size) return false;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o || !c.set.equals(o.set)) return false;
    }
    return true;
  }

  /** Every member path, in upstream's iteration order. */
  paths(): Path[] {
    const out: Path[] = [];
    this.collect([], out);
    return out;
  }

  private collect(prefix: PathElement[], out: Path[]): void {
    for (const pe of [...this.members.values()].sort(comparePathElements)) out.push([...prefix, pe]);
    for (const c of [...this.children.values()].sort((a, b) => comparePathElements(a.pe, b.pe))) {
      c.set.collect([...prefix, c.pe], out);
    }
  }

  /** The members that have no owned path below them. */
  leaves(): Path[] {
    const out: Path[] = [];
    const walk = (node: FieldSet, prefix: PathElement[]): void => {
      for (const [k, pe] of node.members) if (!node.children.has(k)) out.push([...prefix, pe]);
      for (const c of node.children.values()) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out.sort(comparePaths);
  }

  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size();
    return n;
  }

  /** Upstream's FieldsV1 JSON; keys in upstream's order, `.` for a path that is owned and has children. */
  toFieldsV1(): { [key: string]: JsonValue } {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    if (includeSelf) out['.'] = LEAF;
    if (this.children.size === 0) {
      // only owned leaves here (a map's keys): no merged key table needed
      for (const k of orderedKeys(this.members)) out[k] = LEAF;
      return out;
    }
    const keys = new Map<string, PathElement>();
    for (const [k, pe] of this.members) keys.set(k, pe);
    for (const [k, c] of this.children) keys.set(k, c.pe);
    for (const k of orderedKeys(keys)) {
      const child = this.children.get(k);
      out[k] = child ? child.set.emit(this.members.has(k)) : LEAF;
    }
    return out;
  }

  /** Parses FieldsV1 JSON; throws FieldsV1Error on malformed input. */
  static fromFieldsV1(json: JsonValue): FieldSet {
    if (!isObj(json)) throw new FieldsV1Error('FieldsV1 must be a JSON object');
    const set = new FieldSet();
    readInto(set, json, 0);
    return set;
  }
}

const EMPTY = new FieldSet();

/**
 * Every leaf of an emitted FieldsV1 is `{}`: one frozen object serves them all, which saves an
 * allocation per owned field (200,000 for a big ConfigMap). Frozen so a stray write fails loudly.
 */
const LEAF: { [key: string]: JsonValue } = Object.freeze({}) as { [key: string]: JsonValue };

/**
 * Serialized elements in upstream's order. Field elements (all of a struct's or a map's) sort
 * by name with a plain string comparison, which for a map of 200,000 keys is several times
 * cheaper than the general element comparison.
 */
function orderedKeys(keys: Map<string, PathElement>): string[] {
  // a field element serializes as `f:<name>`: with the prefix shared, the serialized keys sort
  // as the names do, and the native string sort needs no comparator
  const fields: string[] = [];
  const others: Array<[string, PathElement]> = [];
  for (const [k, pe] of keys) {
    if ('field' in pe) fields.push(k);
    else others.push([k, pe]);
  }
  // maps from protobuf or sorted manifests arrive in order: check before sorting
  let sorted = true;
  for (let i = 1; i < fields.length && sorted; i++) if (fields[i - 1] > fields[i]) sorted = false;
  if (!sorted) fields.sort();
  if (others.length === 0) return fields;
  others.sort((a, b) => comparePathElements(a[1], b[1]));
  // fields rank before every other element
  for (const [k] of others) fields.push(k);
  return fields;
}

function isEmptyObject(v: { [key: string]: JsonValue }): boolean {
  for (const k in v) if (Object.hasOwn(v, k)) return false;
  return true;
}

function readInto(set: FieldSet, json: { [key: string]: JsonValue }, depth: number): void {
  if (depth > 512) throw new FieldsV1Error('FieldsV1 nests too deeply');
  for (const [k, v] of Object.entries(json)) {
    if (k === '.') continue;
    const pe = parsePathElement(k);
    if (!pe) continue;
    if (!isObj(v)) throw new FieldsV1Error(`FieldsV1 value for ${JSON.stringify(k)} must be an object`);
    // a field element's serialized form is the key it was read from
    const sk = 'field' in pe ? k : serializePathElement(pe);
    if (isEmptyObject(v)) {
      set.members.set(sk, pe);
      continue;
    }
    const isMember = Object.hasOwn(v, '.');
    if (isMember) set.members.set(sk, pe);
    const entries = Object.keys(v);
    if (entries.length > 1 || !isMember) {
      const child = new FieldSet();
      readInto(child, v, depth + 1);
      if (!child.empty()) set.children.set(sk, { pe, set: child });
      else if (!isMember) set.members.set(sk, pe);
    }
  }
}

export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = comparePathElements(a[i], b[i]);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}
