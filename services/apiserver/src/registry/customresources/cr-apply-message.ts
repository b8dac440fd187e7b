import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { FieldSchema, MessageSchema } from '../../schema/model';

/** A message no schema holds: the field manager deduces such a value's shape (objects field by field). */
const DEDUCED = 'kapi.customresources.deduced';

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

function base(name: string, number: number): FieldSchema {
  return {
    name,
    number,
    label: 'optional',
    kind: 'message',
    type: DEDUCED,
    jsonName: name,
    omitempty: true,
    inline: false,
    pointer: true,
    markers: {},
  };
}

/**
 * The messages server-side apply and managedFields see a custom resource version as: its
 * schema's structs, maps and lists with their x-kubernetes-list-type, list-map-keys and
 * map-type (lists are atomic unless the schema says otherwise, as upstream). Only the
 * field manager reads them; requests decode through the flat message (cr-message.ts).
 */
export function customResourceApplyMessages(rootName: string, schema: JSONSchemaProps | undefined): MessageSchema[] {
  const out: MessageSchema[] = [];
  let next = 0;

  const structOf = (s: JSONSchemaProps, name: string): MessageSchema => {
    const fields: FieldSchema[] = Object.entries(s.properties ?? {}).map(([p, sub], i) => fieldOf(p, sub, i + 1));
    const m: MessageSchema = { fullName: name, fields, markers: {} };
    if (s['x-kubernetes-map-type'] === 'atomic') m.markers.structType = 'atomic';
    out.push(m);
    return m;
  };
  const nested = (s: JSONSchemaProps): string => structOf(s, `${rootName}.n${next++}`).fullName;
  const isStruct = (s: JSONSchemaProps | undefined): boolean =>
    !!s && s.type === 'object' && Object.keys(s.properties ?? {}).length > 0;

  const fieldOf = (name: string, s: JSONSchemaProps, number: number): FieldSchema => {
    const f = base(name, number);
    if (s.type === 'array') {
      const items = itemsOf(s);
      f.label = 'repeated';
      if (items && isStruct(items)) f.type = nested(items);
      const listType = s['x-kubernetes-list-type'] ?? 'atomic';
      f.markers.listType = listType;
      if (listType === 'map') f.markers.listMapKey = s['x-kubernetes-list-map-keys'] ?? [];
      return f;
    }
    if (isStruct(s)) {
      f.type = nested(s);
      return f;
    }
    const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (s.type === 'object' && values) {
      f.kind = 'map';
      f.label = 'map';
      f.type = 'map';
      f.keyType = 'string';
      f.valueKind = 'message';
      f.valueType = isStruct(values) ? nested(values) : DEDUCED;
      if (s['x-kubernetes-map-type'] === 'atomic') f.markers.mapType = 'atomic';
    }
    return f;
  };

  const props = { ...(schema?.properties ?? {}) };
  delete props.apiVersion;
  delete props.kind;
  delete props.metadata;
  const root = structOf({ type: 'object', properties: props }, rootName);
  root.fields.unshift({
    name: 'metadata',
    number: 0,
    label: 'optional',
    kind: 'message',
    type: 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    jsonName: 'metadata',
    omitempty: true,
    inline: false,
    pointer: false,
    markers: { optional: true },
    goType: 'metav1.ObjectMeta',
  });
  return out;
}
