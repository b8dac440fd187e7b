import type { JsonObject, JsonValue } from '../api/object';
import type { ResourceInfo } from '../registry/resources';
import type { SchemaSet } from '../schema/model';
import { OPENAPI_INFO, openApiV3Document, openApiV3GroupVersions } from './v3';

/**
 * GET /openapi/v2: one Swagger 2.0 document for every served group version, derived from
 * the OpenAPI v3 documents (never built twice from the schemas) the way upstream's v2
 * differs from its v3: `definitions` instead of components, plain `$ref` members instead
 * of single-reference allOf wrappers, request bodies as `in: body` parameters, media types
 * as consumes/produces lists, and no oneOf (int-or-string and quantities are strings).
 */

const V3_REF_PREFIX = '#/components/schemas/';
const V2_REF_PREFIX = '#/definitions/';

/** Swagger 2.0 has no such schema members; oneOf is handled on its own. */
const V3_ONLY_SCHEMA_KEYS = new Set(['nullable', 'anyOf', 'not', 'writeOnly', 'deprecated']);

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortedObject(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

function v2Ref(ref: string): string {
  return ref.startsWith(V3_REF_PREFIX) ? V2_REF_PREFIX + ref.slice(V3_REF_PREFIX.length) : ref;
}

/** A single-element allOf holding nothing but a reference: upstream v2 writes the reference itself. */
function singleRefWrapper(schema: JsonObject): string | undefined {
  const all = schema.allOf;
  if (!Array.isArray(all) || all.length !== 1) return undefined;
  const only = all[0];
  if (!isObject(only) || typeof only.$ref !== 'string' || Object.keys(only).length !== 1) return undefined;
  return only.$ref;
}

/** One schema (and everything nested in it), OpenAPI 3.0 → Swagger 2.0. */
export function v2Schema(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  const wrapped = singleRefWrapper(schema);
  for (const [key, value] of Object.entries(schema)) {
    if (V3_ONLY_SCHEMA_KEYS.has(key)) continue;
    if (key === 'oneOf') continue;
    if (wrapped !== undefined && (key === 'allOf' || key === 'default')) continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = v2Ref(value);
    else if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, p] of Object.entries(value)) props[name] = isObject(p) ? v2Schema(p) : p;
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) out[key] = v2Schema(value);
    else if (key === 'allOf' && Array.isArray(value)) out.allOf = value.map((s) => (isObject(s) ? v2Schema(s) : s));
    else out[key] = value;
  }
  if (wrapped !== undefined) out.$ref = v2Ref(wrapped);
  if (Array.isArray(schema.oneOf) && out.type === undefined && out.$ref === undefined) {
    // IntOrString (format int-or-string) and Quantity: upstream's v2 names them strings
    out.type = 'string';
  }
  return sortedObject(out);
}

/** A query or path parameter: the v3 `schema` member's type facts move onto the parameter. */
function v2Parameter(p: JsonObject): JsonObject {
  if (typeof p.$ref === 'string') return { $ref: p.$ref.replace('#/components/parameters/', '#/parameters/') };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(p)) {
    if (key === 'schema' && isObject(value)) Object.assign(out, v2Schema(value));
    else if (key !== 'style' && key !== 'explode') out[key] = value;
  }
  return sortedObject(out);
}

function mediaSchema(content: JsonValue | undefined): { media: string[]; schema?: JsonObject } {
  if (!isObject(content)) return { media: [] };
  const media = Object.keys(content);
  for (const m of media) {
    const entry = content[m];
    if (isObject(entry) && isObject(entry.schema)) return { media, schema: v2Schema(entry.schema) };
  }
  return { media };
}

function addAll(into: string[], items: readonly string[]): void {
  for (const i of items) if (!into.includes(i)) into.push(i);
}

function v2Operation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  const parameters: JsonValue[] = [];
  const produces: string[] = [];
  for (const [key, value] of Object.entries(op)) {
    if (key === 'parameters' || key === 'requestBody' || key === 'responses' || key === 'servers') continue;
    if (key === 'callbacks') continue;
    out[key] = value;
  }
  const body = op.requestBody;
  if (isObject(body)) {
    const { media, schema } = mediaSchema(body.content);
    const param: JsonObject = { in: 'body', name: 'body' };
    if (typeof body.description === 'string') param.description = body.description;
    if (body.required === true) param.required = true;
    param.schema = schema ?? {};
    parameters.push(sortedObject(param));
    if (media.length > 0) out.consumes = media;
  } else if (op['x-kubernetes-action'] === 'connect') {
    // a connect operation passes any body through, which v3 can only say by omitting requestBody
    out.consumes = ['*/*'];
  }
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObject(p)) parameters.push(v2Parameter(p));
  if (parameters.length > 0) out.parameters = parameters;
  if (isObject(op.responses)) {
    const responses: JsonObject = {};
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObject(r)) continue;
      const { media, schema } = mediaSchema(r.content);
      addAll(produces, media);
      const resp: JsonObject = { description: typeof r.description === 'string' ? r.description : '' };
      if (schema) resp.schema = schema;
      responses[code] = resp;
    }
    out.responses = responses;
  }
  if (produces.length > 0) out.produces = produces;
  out.schemes = ['https'];
  return sortedObject(out);
}

const OPERATION_KEYS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch']);

function v2PathItem(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(item)) {
    if (OPERATION_KEYS.has(key) && isObject(value)) out[key] = v2Operation(value);
    else if (key === 'parameters' && Array.isArray(value))
      out.parameters = value.map((p) => (isObject(p) ? v2Parameter(p) : p));
    else if (key === '$ref' || key.startsWith('x-')) out[key] = value;
  }
  return sortedObject(out);
}

function gvkKey(g: JsonValue): string {
  return isObject(g) ? `${String(g.group)}\u0000${String(g.version)}\u0000${String(g.kind)}` : JSON.stringify(g);
}

/** The same definition reached from two group versions: keep one, with every GVK either lists. */
function mergeDefinition(a: JsonObject, b: JsonObject): JsonObject {
  const ga = a['x-kubernetes-group-version-kind'];
  const gb = b['x-kubernetes-group-version-kind'];
  if (!Array.isArray(gb)) return a;
  const merged = new Map<string, JsonValue>();
  for (const g of [...(Array.isArray(ga) ? ga : []), ...gb]) merged.set(gvkKey(g), g);
  const list = [...merged.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, g]) => g);
  return { ...a, 'x-kubernetes-group-version-kind': list };
}

/** Converts one OpenAPI v3 document's paths and schemas into the v2 accumulators. */
export function addV3DocumentToV2(v3: JsonObject, paths: JsonObject, definitions: JsonObject): void {
  if (isObject(v3.paths)) {
    for (const [p, item] of Object.entries(v3.paths)) if (isObject(item)) paths[p] = v2PathItem(item);
  }
  const components = v3.components;
  if (isObject(components) && isObject(components.schemas)) {
    for (const [name, s] of Object.entries(components.schemas)) {
      if (!isObject(s)) continue;
      const converted = v2Schema(s);
      const prev = definitions[name];
      definitions[name] = isObject(prev) ? mergeDefinition(prev, converted) : converted;
    }
  }
}

export const V2_SECURITY_DEFINITIONS: JsonObject = {
  BearerToken: {
    description: 'Bearer Token authentication',
    in: 'header',
    name: 'authorization',
    type: 'apiKey',
  },
};

/**
 * The Swagger 2.0 document assembled from OpenAPI v3 group-version documents (in the
 * order given; later paths of the same name win, definitions are merged).
 */
export function openApiV2FromV3Documents(v3Documents: readonly JsonObject[]): JsonObject {
  const paths: JsonObject = {};
  const definitions: JsonObject = {};
  for (const v3 of v3Documents) addV3DocumentToV2(v3, paths, definitions);
  return {
    definitions: sortedObject(definitions),
    info: { ...OPENAPI_INFO },
    paths: sortedObject(paths),
    security: [{ BearerToken: [] }],
    securityDefinitions: V2_SECURITY_DEFINITIONS,
    swagger: '2.0',
  };
}

/**
 * The Swagger 2.0 document of everything served: paths of every group version merged,
 * definitions of every schema they reach. Keys are sorted as upstream writes them.
 */
export function openApiV2Document(schemas: SchemaSet, allResources: readonly ResourceInfo[]): JsonObject {
  return openApiV2FromV3Documents(
    openApiV3GroupVersions(allResources).map(({ group, version }) =>
      openApiV3Document(
        schemas,
        allResources.filter((r) => r.group === group && r.version === version),
        allResources,
      ),
    ),
  );
}
