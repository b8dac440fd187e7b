import type { JsonObject } from '../api/object';
import type { ResourceInfo } from '../registry/resources';
import { openApiName } from './names';

const REF = '#/components/schemas/';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const ANY_JSON = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON';

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESCRIPTION =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/**
 * Custom resources are JSON and YAML only, without patch strategies: kubectl reads the
 * absence of strategic merge patch as "send a JSON merge patch".
 */
function dropUnservedMedia(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropUnservedMedia(x);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k.startsWith('application/vnd.kubernetes.protobuf') || k === 'application/strategic-merge-patch+json')
      delete o[k];
    else dropUnservedMedia(o[k]);
  }
}

/** Upstream's definition name of a custom kind: the group reversed, the version, the kind (com.example.v1.Widget). */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** The kind's published schema: the version's openAPIV3Schema with type meta and metadata, as upstream builds it. */
function kindSchema(r: ResourceInfo): JsonObject {
  const base = (r.openApiSchema ? JSON.parse(JSON.stringify(r.openApiSchema)) : { type: 'object' }) as JsonObject;
  const props = (base.properties ?? {}) as JsonObject;
  base.properties = {
    apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
    kind: { description: KIND_DESCRIPTION, type: 'string' },
    metadata: { allOf: [{ $ref: `${REF}${OBJECT_META}` }], default: {}, description: METADATA_DESCRIPTION },
    ...props,
  };
  base['x-kubernetes-group-version-kind'] = [{ group: r.group, kind: r.kind, version: r.version }];
  return base;
}

/**
 * A group version document generated from the custom resources' placeholder messages,
 * turned into upstream's: components named com.example.v1.Widget(List), each kind's schema
 * its openAPIV3Schema. Built-in documents are returned unchanged.
 */
export function publishCustomResourceSchemas(doc: JsonObject, resources: readonly ResourceInfo[]): JsonObject {
  const custom = resources.filter((r) => r.custom);
  if (custom.length === 0) return doc;
  let text = JSON.stringify(doc);
  const renames: Array<[string, string]> = [];
  for (const r of custom) {
    renames.push([openApiName(r.messageType), customDefinitionName(r.group, r.version, r.kind)]);
    if (r.listMessageType) {
      renames.push([openApiName(r.listMessageType), customDefinitionName(r.group, r.version, r.listKind)]);
    }
  }
  for (const [from, to] of renames) text = text.split(`"${REF}${from}"`).join(`"${REF}${to}"`);
  const out = JSON.parse(text) as JsonObject;
  dropUnservedMedia(out.paths);
  const components = out.components as JsonObject;
  const schemas = components.schemas as Record<string, JsonObject>;
  const renamed: Record<string, JsonObject> = {};
  const byOld = new Map(renames);
  for (const [name, schema] of Object.entries(schemas)) renamed[byOld.get(name) ?? name] = schema;
  for (const r of custom) renamed[customDefinitionName(r.group, r.version, r.kind)] = kindSchema(r);
  // the placeholders' any-JSON fields are gone with their messages
  if (!JSON.stringify(renamed).includes(`"${REF}${ANY_JSON}"`)) delete renamed[ANY_JSON];
  components.schemas = Object.fromEntries(
    Object.keys(renamed)
      .sort()
      .map((k) => [k, renamed[k]]),
  );
  return out;
}
