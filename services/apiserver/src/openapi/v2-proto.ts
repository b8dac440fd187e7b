import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { stringify as yamlStringify } from 'yaml';
import type { JsonObject, JsonValue } from '../api/object';
import { defaultProtoDir } from '../schema/paths';

/**
 * The protobuf form of GET /openapi/v2: the Swagger JSON document as a gnostic
 * openapi.v2.Document, which client-go unmarshals (discovery's OpenAPISchema) and kubectl
 * reads for client-side validation and explain. The mapping follows gnostic's JSON →
 * model rules: JSON maps become ordered Named* lists, `$ref` is `_ref`, schema `type` a
 * TypeItem, `items` an ItemsItem, parameters and security items pick the oneof member by
 * their `in`/`type`, and every other free-form value (x- vendor extensions, defaults,
 * enums, examples) is an Any whose `yaml` holds the value as YAML text.
 */

export const OPENAPI_V2_PROTO_FILE = path.join('openapi', 'v2', 'openapiv2.proto.txt');

type ProtoValue = string | number | boolean | ProtoObject | ProtoValue[];
interface ProtoObject {
  [key: string]: ProtoValue;
}

let cachedRoot: protobuf.Root | undefined;

/** protobufjs Root of openapi.v2 (field names as in the .proto: keepCase). */
export function openApiV2ProtoRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  root.loadSync(path.join(defaultProtoDir(), OPENAPI_V2_PROTO_FILE), { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

export function openApiV2DocumentType(): protobuf.Type {
  return openApiV2ProtoRoot().lookupType('openapi.v2.Document');
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: JsonValue | undefined): string[] | undefined {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** gnostic Any: the value's YAML text (gnostic re-marshals the parsed node, block style). */
function anyOf(v: JsonValue): ProtoObject {
  return { yaml: yamlStringify(v, { lineWidth: 0 }) };
}

function vendorExtensions(o: JsonObject): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) out.push({ name: k, value: anyOf(v) });
  return out;
}

/** Copies the listed JSON members that hold plain scalars or string lists, renamed to proto fields. */
function copy(src: JsonObject, dst: ProtoObject, members: ReadonlyArray<readonly [json: string, proto: string]>): void {
  for (const [json, proto] of members) {
    const v = src[json];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') dst[proto] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) dst[proto] = v as string[];
  }
}

function withExtensions(src: JsonObject, dst: ProtoObject, field = 'vendor_extension'): ProtoObject {
  const ext = vendorExtensions(src);
  if (ext.length > 0) dst[field] = ext;
  return dst;
}

const VALIDATION_MEMBERS = [
  ['maximum', 'maximum'],
  ['exclusiveMaximum', 'exclusive_maximum'],
  ['minimum', 'minimum'],
  ['exclusiveMinimum', 'exclusive_minimum'],
  ['maxLength', 'max_length'],
  ['minLength', 'min_length'],
  ['pattern', 'pattern'],
  ['maxItems', 'max_items'],
  ['minItems', 'min_items'],
  ['uniqueItems', 'unique_items'],
  ['multipleOf', 'multiple_of'],
] as const;

function externalDocs(v: JsonValue | undefined): ProtoObject | undefined {
  if (!isObject(v)) return undefined;
  const out: ProtoObject = {};
  copy(v, out, [
    ['description', 'description'],
    ['url', 'url'],
  ]);
  return withExtensions(v, out);
}

function setAnys(src: JsonObject, dst: ProtoObject): void {
  if (src.default !== undefined) dst.default = anyOf(src.default);
  if (Array.isArray(src.enum)) dst.enum = src.enum.map(anyOf);
  if (src.example !== undefined) dst.example = anyOf(src.example);
}

export function gnosticSchema(s: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(s, out, [
    ['$ref', '_ref'],
    ['format', 'format'],
    ['title', 'title'],
    ['description', 'description'],
    ...VALIDATION_MEMBERS,
    ['maxProperties', 'max_properties'],
    ['minProperties', 'min_properties'],
    ['required', 'required'],
    ['discriminator', 'discriminator'],
    ['readOnly', 'read_only'],
  ]);
  setAnys(s, out);
  const ap = s.additionalProperties;
  if (typeof ap === 'boolean') out.additional_properties = { boolean: ap };
  else if (isObject(ap)) out.additional_properties = { schema: gnosticSchema(ap) };
  const type = strings(s.type);
  if (type) out.type = { value: type };
  const items = s.items;
  if (isObject(items)) out.items = { schema: [gnosticSchema(items)] };
  else if (Array.isArray(items)) out.items = { schema: items.filter(isObject).map(gnosticSchema) };
  if (Array.isArray(s.allOf)) out.all_of = s.allOf.filter(isObject).map(gnosticSchema);
  if (isObject(s.properties)) {
    out.properties = {
      additional_properties: Object.entries(s.properties)
        .filter((e): e is [string, JsonObject] => isObject(e[1]))
        .map(([name, p]) => ({ name, value: gnosticSchema(p) })),
    };
  }
  if (isObject(s.xml)) {
    const xml: ProtoObject = {};
    copy(s.xml, xml, [
      ['name', 'name'],
      ['namespace', 'namespace'],
      ['prefix', 'prefix'],
      ['attribute', 'attribute'],
      ['wrapped', 'wrapped'],
    ]);
    out.xml = withExtensions(s.xml, xml);
  }
  const docs = externalDocs(s.externalDocs);
  if (docs) out.external_docs = docs;
  return withExtensions(s, out);
}

function primitivesItems(s: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(s, out, [
    ['type', 'type'],
    ['format', 'format'],
    ['collectionFormat', 'collection_format'],
    ...VALIDATION_MEMBERS,
  ]);
  if (isObject(s.items)) out.items = primitivesItems(s.items);
  setAnys(s, out);
  return withExtensions(s, out);
}

const NON_BODY_SUBSCHEMA: Record<string, string> = {
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
};

function parametersItem(p: JsonObject): ProtoObject {
  if (typeof p.$ref === 'string') {
    const ref: ProtoObject = { _ref: p.$ref };
    if (typeof p.description === 'string') ref.description = p.description;
    return { json_reference: ref };
  }
  const where = str(p.in) ?? '';
  if (where === 'body') {
    const body: ProtoObject = {};
    copy(p, body, [
      ['description', 'description'],
      ['name', 'name'],
      ['in', 'in'],
      ['required', 'required'],
    ]);
    if (isObject(p.schema)) body.schema = gnosticSchema(p.schema);
    return { parameter: { body_parameter: withExtensions(p, body) } };
  }
  const sub: ProtoObject = {};
  copy(p, sub, [
    ['required', 'required'],
    ['in', 'in'],
    ['description', 'description'],
    ['name', 'name'],
    ...(where === 'query' || where === 'formData' ? ([['allowEmptyValue', 'allow_empty_value']] as const) : []),
    ['type', 'type'],
    ['format', 'format'],
    ['collectionFormat', 'collection_format'],
    ...VALIDATION_MEMBERS,
  ]);
  if (isObject(p.items)) sub.items = primitivesItems(p.items);
  setAnys(p, sub);
  const member = NON_BODY_SUBSCHEMA[where] ?? NON_BODY_SUBSCHEMA.query;
  return { parameter: { non_body_parameter: { [member]: withExtensions(p, sub) } } };
}

function header(h: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(h, out, [
    ['type', 'type'],
    ['format', 'format'],
    ['collectionFormat', 'collection_format'],
    ...VALIDATION_MEMBERS,
    ['description', 'description'],
  ]);
  if (isObject(h.items)) out.items = primitivesItems(h.items);
  setAnys(h, out);
  return withExtensions(h, out);
}

function responseValue(r: JsonObject): ProtoObject {
  if (typeof r.$ref === 'string') return { json_reference: { _ref: r.$ref } };
  const out: ProtoObject = { description: str(r.description) ?? '' };
  if (isObject(r.schema)) {
    out.schema =
      r.schema.type === 'file' ? { file_schema: gnosticSchema(r.schema) } : { schema: gnosticSchema(r.schema) };
  }
  if (isObject(r.headers)) {
    out.headers = {
      additional_properties: Object.entries(r.headers)
        .filter((e): e is [string, JsonObject] => isObject(e[1]))
        .map(([name, h]) => ({ name, value: header(h) })),
    };
  }
  if (isObject(r.examples)) {
    out.examples = {
      additional_properties: Object.entries(r.examples).map(([name, v]) => ({ name, value: anyOf(v) })),
    };
  }
  return { response: withExtensions(r, out) };
}

function operation(op: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(op, out, [
    ['tags', 'tags'],
    ['summary', 'summary'],
    ['description', 'description'],
    ['operationId', 'operation_id'],
    ['produces', 'produces'],
    ['consumes', 'consumes'],
    ['schemes', 'schemes'],
    ['deprecated', 'deprecated'],
  ]);
  const docs = externalDocs(op.externalDocs);
  if (docs) out.external_docs = docs;
  if (Array.isArray(op.parameters)) out.parameters = op.parameters.filter(isObject).map(parametersItem);
  if (isObject(op.responses)) {
    const codes: ProtoObject[] = [];
    for (const [code, r] of Object.entries(op.responses)) {
      if (!code.startsWith('x-') && isObject(r)) codes.push({ name: code, value: responseValue(r) });
    }
    out.responses = withExtensions(op.responses, { response_code: codes });
  }
  if (Array.isArray(op.security)) out.security = op.security.filter(isObject).map(securityRequirement);
  return withExtensions(op, out);
}

const PATH_OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function pathItem(item: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  if (typeof item.$ref === 'string') out._ref = item.$ref;
  for (const verb of PATH_OPERATIONS) {
    const op = item[verb];
    if (isObject(op)) out[verb] = operation(op);
  }
  if (Array.isArray(item.parameters)) out.parameters = item.parameters.filter(isObject).map(parametersItem);
  return withExtensions(item, out);
}

function securityRequirement(req: JsonObject): ProtoObject {
  return {
    additional_properties: Object.entries(req).map(([name, scopes]) => ({
      name,
      value: { value: strings(scopes) ?? [] },
    })),
  };
}

function securityDefinitionsItem(d: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(d, out, [
    ['type', 'type'],
    ['name', 'name'],
    ['in', 'in'],
    ['flow', 'flow'],
    ['authorizationUrl', 'authorization_url'],
    ['tokenUrl', 'token_url'],
    ['description', 'description'],
  ]);
  if (isObject(d.scopes)) {
    out.scopes = { additional_properties: Object.entries(d.scopes).map(([name, v]) => ({ name, value: String(v) })) };
  }
  withExtensions(d, out);
  if (d.type === 'basic') return { basic_authentication_security: out };
  if (d.type === 'oauth2') {
    const flow = str(d.flow) ?? 'implicit';
    const member: Record<string, string> = {
      implicit: 'oauth2_implicit_security',
      password: 'oauth2_password_security',
      application: 'oauth2_application_security',
      accessCode: 'oauth2_access_code_security',
    };
    return { [member[flow] ?? 'oauth2_implicit_security']: out };
  }
  return { api_key_security: out };
}

function named(o: JsonValue | undefined, convert: (v: JsonObject) => ProtoObject): ProtoObject[] | undefined {
  if (!isObject(o)) return undefined;
  return Object.entries(o)
    .filter((e): e is [string, JsonObject] => isObject(e[1]))
    .map(([name, v]) => ({ name, value: convert(v) }));
}

/** The Swagger 2.0 JSON document as a plain object in openapi.v2.Document's shape (proto field names). */
export function gnosticDocument(doc: JsonObject): ProtoObject {
  const out: ProtoObject = {};
  copy(doc, out, [
    ['swagger', 'swagger'],
    ['host', 'host'],
    ['basePath', 'base_path'],
    ['schemes', 'schemes'],
    ['consumes', 'consumes'],
    ['produces', 'produces'],
  ]);
  if (isObject(doc.info)) {
    const info: ProtoObject = {};
    copy(doc.info, info, [
      ['title', 'title'],
      ['version', 'version'],
      ['description', 'description'],
      ['termsOfService', 'terms_of_service'],
    ]);
    for (const k of ['contact', 'license'] as const) {
      const v = doc.info[k];
      if (isObject(v)) {
        const c: ProtoObject = {};
        copy(v, c, [
          ['name', 'name'],
          ['url', 'url'],
          ['email', 'email'],
        ]);
        info[k] = withExtensions(v, c);
      }
    }
    out.info = withExtensions(doc.info, info);
  }
  if (isObject(doc.paths)) {
    const paths = doc.paths;
    const list = Object.entries(paths)
      .filter((e): e is [string, JsonObject] => e[0].startsWith('/') && isObject(e[1]))
      .map(([name, item]) => ({ name, value: pathItem(item) }));
    out.paths = withExtensions(paths, { path: list });
  }
  const definitions = named(doc.definitions, gnosticSchema);
  if (definitions) out.definitions = { additional_properties: definitions };
  const parameters = named(doc.parameters, (p) => {
    const item = parametersItem(p);
    return isProtoObject(item.parameter) ? item.parameter : {};
  });
  if (parameters) out.parameters = { additional_properties: parameters };
  const responses = named(doc.responses, (r) => {
    const v = responseValue(r);
    return isProtoObject(v.response) ? v.response : {};
  });
  if (responses) out.responses = { additional_properties: responses };
  if (Array.isArray(doc.security)) out.security = doc.security.filter(isObject).map(securityRequirement);
  const security = named(doc.securityDefinitions, securityDefinitionsItem);
  if (security) out.security_definitions = { additional_properties: security };
  if (Array.isArray(doc.tags)) {
    out.tags = doc.tags.filter(isObject).map((t) => {
      const tag: ProtoObject = {};
      copy(t, tag, [
        ['name', 'name'],
        ['description', 'description'],
      ]);
      const docs = externalDocs(t.externalDocs);
      if (docs) tag.external_docs = docs;
      return withExtensions(t, tag);
    });
  }
  const docs = externalDocs(doc.externalDocs);
  if (docs) out.external_docs = docs;
  return withExtensions(doc, out);
}

function isProtoObject(v: ProtoValue | undefined): v is ProtoObject {
  return typeof v === 'object' && !Array.isArray(v);
}

/** GET /openapi/v2 as `application/com.github.proto-openapi.spec.v2.v1.0+protobuf`. */
export function encodeOpenApiV2Protobuf(doc: JsonObject): Buffer {
  const type = openApiV2DocumentType();
  const message = type.fromObject(gnosticDocument(doc));
  return Buffer.from(type.encode(message).finish());
}

/** Decodes an openapi.v2.Document (proto field names, int64 as numbers); for tests and tools. */
export function decodeOpenApiV2Protobuf(bytes: Uint8Array): Record<string, unknown> {
  const type = openApiV2DocumentType();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: false, defaults: false });
}
