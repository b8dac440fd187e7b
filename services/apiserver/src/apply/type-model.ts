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
 * and how the items of a list are identified. What is computed on this view is in typed-fields.ts
 * (field sets, comparison) and typed-merge.ts (merge, removal, Go zero values).
 */
import type { JsonObject, JsonValue } from '../api/object';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import { keyElement, type PathElement } from './fieldset';

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

export const LEAF: TypeNode = { kind: 'leaf' };
export const DEDUCED: TypeNode = { kind: 'deduced' };

export function isObj(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A member of a user's map: any key, `__proto__` and `constructor` included, is plain data. */
export function own(o: JsonObject, k: string): JsonValue | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

export function setOwn(o: JsonObject, k: string, v: JsonValue): void {
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

export function shapeOf(type: TypeNode, v: JsonValue | undefined): Shape {
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

export function childType(model: TypeModel, type: TypeNode, pe: PathElement): TypeNode {
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
export function liveItemElements(type: Extract<TypeNode, { kind: 'list' }>, list: JsonValue[]): PathElement[] {
  return list.map((item, i) => {
    try {
      return itemElement(type, item);
    } catch {
      return { index: i };
    }
  });
}
