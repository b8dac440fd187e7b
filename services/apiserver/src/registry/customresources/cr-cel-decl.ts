import type { DeclType } from '../../admission/cel/estimate';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

/** Upstream's DefaultMaxRequestSizeBytes: what unbounded strings, lists and maps are estimated to fill. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;

// the smallest JSON of each kind of value ("" for strings, 0 for numbers, true for booleans)
const MIN_STRING_SIZE = 2;
const MIN_NUMBER_SIZE = 1;
const MIN_BOOL_SIZE = 4;
const MIN_DURATION_SIZE = 4;
const MAX_DURATION_SIZE = 32;
const DATE_SIZE = 12;
const MIN_DATETIME_SIZE = 22;
const MAX_DATETIME_SIZE = 37;

const nonNegative = (n: number): number => Math.max(n, 0);

function scalar(kind: DeclType['kind'], minSerializedSize: number, maxElements = 0): DeclType {
  return { kind, minSerializedSize, maxElements };
}

const UNBOUNDED_STRING = MAX_REQUEST_SIZE_BYTES - 2;

/** The longest string a request could hold for the schema's format. */
function maxStringLength(s: JSONSchemaProps): number {
  if (s['x-kubernetes-int-or-string']) return UNBOUNDED_STRING;
  if (s.format === 'duration') return MAX_DURATION_SIZE;
  if (s.format === 'date') return DATE_SIZE;
  if (s.format === 'date-time') return MAX_DATETIME_SIZE;
  return UNBOUNDED_STRING;
}

// maxLength counts code points; a code point is up to 4 bytes
const boundedLength = (s: JSONSchemaProps): number => nonNegative(s.maxLength ?? 0) * 4;

function stringDecl(s: JSONSchemaProps): DeclType {
  switch (s.format) {
    case 'byte':
      return scalar(
        'bytes',
        MIN_STRING_SIZE,
        s.maxLength !== undefined ? nonNegative(s.maxLength) : maxStringLength(s),
      );
    case 'duration':
      return scalar('duration', MIN_DURATION_SIZE, maxStringLength(s));
    case 'date':
      return scalar('timestamp', DATE_SIZE, maxStringLength(s));
    case 'date-time':
      return scalar('timestamp', MIN_DATETIME_SIZE, maxStringLength(s));
  }
  if (s.maxLength !== undefined) return scalar('string', MIN_STRING_SIZE, boundedLength(s));
  if (s.enum && s.enum.length > 0) {
    const longest = Math.max(0, ...s.enum.map((e) => (typeof e === 'string' ? new TextEncoder().encode(e).length : 0)));
    return scalar('string', MIN_STRING_SIZE, longest);
  }
  return scalar('string', MIN_STRING_SIZE, maxStringLength(s));
}

const STRING_PROP: JSONSchemaProps = { type: 'string' };

/** A resource root always exposes apiVersion, kind, metadata.name and metadata.generateName to rules. */
function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  const p = s.properties ?? {};
  const meta = p.metadata?.properties;
  if (
    p.kind?.type === 'string' &&
    p.apiVersion?.type === 'string' &&
    p.metadata?.type === 'object' &&
    meta?.name?.type === 'string' &&
    meta.generateName?.type === 'string'
  ) {
    return s;
  }
  return {
    ...s,
    properties: {
      ...p,
      kind: STRING_PROP,
      apiVersion: STRING_PROP,
      metadata: { type: 'object', properties: { name: STRING_PROP, generateName: STRING_PROP } },
    },
  };
}

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

/**
 * The CEL type of a schema node with its size bounds, as upstream's SchemaDeclType builds
 * it; undefined where rules cannot see the value (no type, no items).
 */
export function schemaDeclType(s: JSONSchemaProps | undefined, isResourceRoot: boolean): DeclType | undefined {
  if (!s) return undefined;
  if (s['x-kubernetes-int-or-string']) {
    return scalar('dyn', 1, s.maxLength !== undefined ? boundedLength(s) : maxStringLength(s));
  }
  const node = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (node.type) {
    case 'array': {
      const items = itemsOf(node);
      const elem = items && schemaDeclType(items, items['x-kubernetes-embedded-resource'] === true);
      if (!elem) return undefined;
      const maxItems =
        node.maxItems !== undefined
          ? nonNegative(node.maxItems)
          : Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (elem.minSerializedSize + 1));
      return { kind: 'list', elem, maxElements: maxItems, minSerializedSize: 2 };
    }
    case 'object': {
      const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
      if (values) {
        const elem = schemaDeclType(values, values['x-kubernetes-embedded-resource'] === true);
        if (!elem) return undefined;
        const maxProps =
          node.maxProperties !== undefined
            ? nonNegative(node.maxProperties)
            : Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (elem.minSerializedSize + 6));
        return {
          kind: 'map',
          elem,
          key: scalar('string', MIN_STRING_SIZE),
          maxElements: maxProps,
          minSerializedSize: 2,
        };
      }
      const required = new Set(node.required ?? []);
      const fields: Record<string, DeclType> = {};
      let minSize = 2;
      for (const [name, prop] of Object.entries(node.properties ?? {})) {
        const t = schemaDeclType(prop, prop['x-kubernetes-embedded-resource'] === true);
        if (!t) continue;
        fields[name] = t;
        // required fields without a default are always serialized
        if (required.has(name) && prop.default === undefined) minSize += name.length + t.minSerializedSize + 4;
      }
      return { kind: 'object', fields, maxElements: 0, minSerializedSize: minSize };
    }
    case 'string':
      return stringDecl(node);
    case 'boolean':
      return scalar('bool', MIN_BOOL_SIZE);
    case 'number':
      return scalar('double', MIN_NUMBER_SIZE);
    case 'integer':
      return scalar('int', MIN_NUMBER_SIZE);
  }
  return undefined;
}

/**
 * How many times a value of this type could appear in one request when nothing above
 * it bounds the count (upstream's maxCardinality: one comma between elements).
 */
export function unboundedCardinality(t: DeclType): number {
  return Math.floor(MAX_REQUEST_SIZE_BYTES / (t.minSerializedSize + 1));
}
