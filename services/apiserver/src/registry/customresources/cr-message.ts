import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { FieldSchema, MessageSchema } from '../../schema/model';

const OBJECT_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';
/** Holds any JSON value (apiextensions' JSON): a custom resource's fields are schemaless to the codec. */
const ANY_JSON = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON';
/** Where the messages of served custom resource versions are named; no proto package uses it. */
export const CUSTOM_RESOURCE_PACKAGE = 'kapi.customresources';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

function anyJsonField(name: string, number: number): FieldSchema {
  return {
    name,
    number,
    label: 'optional',
    kind: 'message',
    type: ANY_JSON,
    jsonName: name,
    omitempty: true,
    inline: false,
    pointer: true,
    markers: { optional: true },
  };
}

/**
 * The message a custom resource version is decoded, patched and field-managed as:
 * ObjectMeta plus each top-level property of its schema holding any JSON. Fields the
 * schema does not name are unknown fields (dropped, reported as fieldValidation asks),
 * as upstream's pruning does at the top level. `id` keeps names unique across changes.
 */
export function customResourceMessage(kind: string, id: number, schema: JSONSchemaProps | undefined): MessageSchema {
  const fields: FieldSchema[] = [
    {
      name: 'metadata',
      number: 1,
      label: 'optional',
      kind: 'message',
      type: OBJECT_META,
      jsonName: 'metadata',
      omitempty: true,
      inline: false,
      pointer: false,
      markers: { optional: true },
      goType: 'metav1.ObjectMeta',
    },
  ];
  const props = Object.keys(schema?.properties ?? {}).filter((p) => !TYPE_META.has(p));
  props.forEach((p, i) => fields.push(anyJsonField(p, i + 2)));
  // x-kubernetes-preserve-unknown-fields at the root: nothing but metadata is pruned there
  const markers: Record<string, boolean> =
    schema?.['x-kubernetes-preserve-unknown-fields'] === true ? { preserveUnknownFields: true } : {};
  return { fullName: `${CUSTOM_RESOURCE_PACKAGE}.m${id}.${kind}`, fields, markers };
}

/** The list message of a custom resource version: ListMeta and the items. */
export function customResourceListMessage(item: MessageSchema, listKind: string): MessageSchema {
  const pkg = item.fullName.slice(0, item.fullName.lastIndexOf('.'));
  const fields: FieldSchema[] = [
    {
      name: 'metadata',
      number: 1,
      label: 'optional',
      kind: 'message',
      type: 'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta',
      jsonName: 'metadata',
      omitempty: true,
      inline: false,
      pointer: false,
      markers: { optional: true },
      goType: 'metav1.ListMeta',
    },
    {
      name: 'items',
      number: 2,
      label: 'repeated',
      kind: 'message',
      type: item.fullName,
      jsonName: 'items',
      omitempty: false,
      inline: false,
      pointer: true,
      markers: {},
    },
  ];
  return { fullName: `${pkg}.${listKind}`, fields, markers: {} };
}
