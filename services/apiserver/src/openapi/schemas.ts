import type { JsonObject, JsonValue } from '../api/object';
import type { FieldSchema, MessageSchema, SchemaSet } from '../schema/model';
import { messageShortName, openApiName, schemaRef } from './names';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface ComponentOptions {
  /** x-kubernetes-group-version-kind per proto message */
  gvks: ReadonlyMap<string, readonly GroupVersionKind[]>;
  /** messages that embed TypeMeta in Go and so take apiVersion and kind members */
  typeMetaMessages: ReadonlySet<string>;
}

const SCALAR_SCHEMAS: Record<string, JsonObject> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  bytes: { type: 'string', format: 'byte' },
  int32: { type: 'integer', format: 'int32' },
  sint32: { type: 'integer', format: 'int32' },
  sfixed32: { type: 'integer', format: 'int32' },
  uint32: { type: 'integer', format: 'int32' },
  fixed32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  sint64: { type: 'integer', format: 'int64' },
  sfixed64: { type: 'integer', format: 'int64' },
  uint64: { type: 'integer', format: 'int64' },
  fixed64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
};

function scalarSchema(type: string): JsonObject {
  const s = SCALAR_SCHEMAS[type];
  if (!s) throw new Error(`no OpenAPI type for scalar ${type}`);
  return { ...s };
}

/** Go zero value of a scalar, which upstream states as the default of values Go always writes. */
function scalarZero(type: string): JsonValue | undefined {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return undefined;
  return 0;
}

/** Words of a camelCase JSON name: minReadySeconds → "min ready seconds". */
function words(jsonName: string): string {
  return jsonName
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

function isRequired(f: FieldSchema): boolean {
  if (f.markers.required === true || f.markers['kubebuilder:validation:Required'] === true) return true;
  return !f.omitempty && f.markers.optional !== true;
}

function fieldDescription(owner: MessageSchema, f: FieldSchema): string {
  const text = words(f.jsonName);
  const sentence = `${text.charAt(0).toUpperCase()}${text.slice(1)} of this ${messageShortName(owner.fullName)}`;
  return isRequired(f) ? `${sentence}. Required.` : `${sentence}.`;
}

function messageDescription(m: MessageSchema): string {
  return `${messageShortName(m.fullName)} (${openApiName(m.fullName).replace(/\.[^.]+$/, '')}).`;
}

function parseDefault(raw: string | boolean | string[]): JsonValue | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    // ref(ConstName) defaults name a Go constant whose value proto/ does not carry
    return undefined;
  }
}

function markerExtensions(markers: FieldSchema['markers']): JsonObject {
  const ext: JsonObject = {};
  const str = (k: string): string | undefined => (typeof markers[k] === 'string' ? (markers[k] as string) : undefined);
  if (str('listType')) ext['x-kubernetes-list-type'] = str('listType') as string;
  const keys = markers.listMapKey;
  if (keys !== undefined) ext['x-kubernetes-list-map-keys'] = Array.isArray(keys) ? [...keys] : [String(keys)];
  if (str('patchStrategy')) ext['x-kubernetes-patch-strategy'] = str('patchStrategy') as string;
  if (str('patchMergeKey')) ext['x-kubernetes-patch-merge-key'] = str('patchMergeKey') as string;
  const mapType = str('mapType') ?? str('structType');
  if (mapType) ext['x-kubernetes-map-type'] = mapType;
  return ext;
}

const STRING_ARRAY: JsonObject = { type: 'array', items: { type: 'string', default: '' } };

/**
 * Builds components.schemas: every message reachable from the roots, named as upstream
 * names them, with JSON members (inline members merged), required members, defaults
 * and the list/map/patch extensions clients use for strategic merge and apply.
 */
export class ComponentBuilder {
  private readonly out = new Map<string, JsonObject>();
  private readonly pending: string[] = [];

  constructor(
    private readonly schemas: SchemaSet,
    private readonly options: ComponentOptions,
  ) {}

  add(protoFullName: string): void {
    this.reference(protoFullName);
    while (this.pending.length > 0) {
      const next = this.pending.pop() as string;
      this.out.set(openApiName(next), this.messageComponent(this.schemas.message(next)));
    }
  }

  /** components.schemas, keys sorted */
  result(): JsonObject {
    const sorted: JsonObject = {};
    for (const name of [...this.out.keys()].sort()) sorted[name] = this.out.get(name) as JsonObject;
    return sorted;
  }

  private readonly queued = new Set<string>();

  private reference(fullName: string): string {
    if (!this.queued.has(fullName)) {
      if (!this.schemas.has(fullName)) throw new Error(`OpenAPI: unknown message ${fullName}`);
      this.queued.add(fullName);
      this.pending.push(fullName);
    }
    return schemaRef(fullName);
  }

  private messageComponent(m: MessageSchema): JsonObject {
    const schema = m.customJson ? this.customComponent(m) : this.objectComponent(m);
    const gvks = this.options.gvks.get(m.fullName);
    if (gvks && gvks.length > 0) {
      schema['x-kubernetes-group-version-kind'] = gvks.map((g) => ({
        group: g.group,
        kind: g.kind,
        version: g.version,
      }));
    }
    return schema;
  }

  private customComponent(m: MessageSchema): JsonObject {
    const description = messageDescription(m);
    switch (m.customJson) {
      case 'Time':
      case 'MicroTime':
        return { description, type: 'string', format: 'date-time' };
      case 'Duration':
        return { description, type: 'string' };
      case 'Quantity':
        return { description, oneOf: [{ type: 'string' }, { type: 'number' }] };
      case 'IntOrString':
        return { description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
      case 'RawJSON':
        // RawExtension and FieldsV1 always hold an object; apiextensions JSON holds any value
        return m.fullName.endsWith('.JSON') ? { description } : { description, type: 'object' };
      case 'StringArray':
        return { description, ...STRING_ARRAY };
      default:
        // the JSONSchemaPropsOr* unions: a schema object, an array or a boolean
        return { description };
    }
  }

  private objectComponent(m: MessageSchema): JsonObject {
    const properties: Record<string, JsonObject> = {};
    const required: string[] = [];
    if (this.options.typeMetaMessages.has(m.fullName)) {
      properties.apiVersion = { description: 'API version of this object, as group/version.', type: 'string' };
      properties.kind = { description: 'Kind of this object, in CamelCase.', type: 'string' };
    }
    this.collectMembers(m, properties, required);
    const schema: JsonObject = { description: messageDescription(m) };
    const sortedProps: JsonObject = {};
    for (const k of Object.keys(properties).sort()) sortedProps[k] = properties[k];
    if (Object.keys(sortedProps).length > 0) schema.properties = sortedProps;
    if (required.length > 0) schema.required = required;
    schema.type = 'object';
    Object.assign(schema, markerExtensions(m.markers));
    return schema;
  }

  private collectMembers(m: MessageSchema, properties: Record<string, JsonObject>, required: string[]): void {
    for (const f of m.fields) {
      if (f.inline) {
        if (f.kind === 'message') this.collectMembers(this.schemas.message(f.type), properties, required);
        continue;
      }
      if (f.jsonName === '-' || f.jsonName === '') continue;
      properties[f.jsonName] = this.fieldSchema(m, f);
      if (isRequired(f)) required.push(f.jsonName);
    }
  }

  /** Schema of one element of a list or value of a map. */
  private elementSchema(kind: 'scalar' | 'message', type: string, pointer: boolean): JsonObject {
    if (kind === 'scalar') {
      const s = scalarSchema(type);
      const zero = scalarZero(type);
      if (!pointer && zero !== undefined) s.default = zero;
      return s;
    }
    const target = this.schemas.message(type);
    if (target.customJson === 'StringArray') return { ...STRING_ARRAY };
    const ref = this.reference(type);
    if (pointer || target.customJson) return { $ref: ref };
    return { allOf: [{ $ref: ref }], default: {} };
  }

  private fieldSchema(owner: MessageSchema, f: FieldSchema): JsonObject {
    const description = fieldDescription(owner, f);
    let schema: JsonObject;
    if (f.label === 'map') {
      const valuePointer = (f.goType ?? '').replace(/^map\[[^\]]*\]/, '').startsWith('*');
      schema = {
        description,
        type: 'object',
        additionalProperties: this.elementSchema(f.valueKind ?? 'scalar', f.valueType ?? 'string', valuePointer),
      };
    } else if (f.label === 'repeated') {
      const elementPointer = (f.goType ?? '').startsWith('[]*');
      schema = {
        description,
        type: 'array',
        items: this.elementSchema(f.kind === 'message' ? 'message' : 'scalar', f.type, elementPointer),
      };
    } else if (f.kind === 'message') {
      const target = this.schemas.message(f.type);
      if (target.customJson === 'StringArray') {
        schema = { description, ...STRING_ARRAY };
      } else {
        schema = { allOf: [{ $ref: this.reference(f.type) }], description };
        if (!f.pointer && !target.customJson) schema.default = {};
      }
    } else {
      schema = { description, ...scalarSchema(f.type) };
      const zero = scalarZero(f.type);
      if (!f.pointer && !f.omitempty && zero !== undefined) schema.default = zero;
    }
    if (f.markers.default !== undefined) {
      const value = parseDefault(f.markers.default);
      if (value !== undefined) schema.default = value;
    }
    Object.assign(schema, markerExtensions(f.markers));
    return schema;
  }
}
