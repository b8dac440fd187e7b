import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as yamlParse } from 'yaml';
import type { JsonObject, JsonValue } from '../src/api/object';
import { StatusError } from '../src/api/errors';
import { openApiV2Document, v2Schema } from '../src/openapi/v2';
import { decodeOpenApiV2Protobuf, encodeOpenApiV2Protobuf } from '../src/openapi/v2-proto';
import {
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  ifNoneMatchHits,
  negotiateOpenApiV2,
} from '../src/openapi/v2-serve';
import { openApiV3Hash } from '../src/openapi/v3';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import { loadSchemaSet } from '../src/schema/load';
import { NonResourceHandler } from '../src/server/non-resource';
import { createOpenApiProvider } from '../src/server/openapi-provider';

const schemaSet = loadSchemaSet();
const doc = openApiV2Document(schemaSet, BUILTIN_RESOURCES);

function obj(v: JsonValue | undefined | unknown): JsonObject {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
  return v as JsonObject;
}

function arr(v: unknown): unknown[] {
  assert.ok(Array.isArray(v), `expected an array, got ${JSON.stringify(v)}`);
  return v;
}

const definitions = obj(doc.definitions);
const paths = obj(doc.paths);

function def(name: string): JsonObject {
  return obj(definitions[name]);
}

/**
 * Visits every schema member; the names in a `properties` map are field names, not members
 * (JSONSchemaProps has fields called anyOf, $ref and nullable).
 */
function walk(
  v: JsonValue,
  visit: (key: string, value: JsonValue, parent: JsonObject) => void,
  inProperties = false,
): void {
  if (Array.isArray(v)) for (const x of v) walk(x, visit);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!inProperties) visit(k, x, v);
      walk(x, visit, !inProperties && k === 'properties');
    }
  }
}

describe('openApiV2Document', () => {
  test('top level: swagger 2.0, info, BearerToken security', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.32.0' });
    assert.deepEqual(doc.security, [{ BearerToken: [] }]);
    assert.deepEqual(obj(doc.securityDefinitions).BearerToken, {
      description: 'Bearer Token authentication',
      in: 'header',
      name: 'authorization',
      type: 'apiKey',
    });
    assert.equal(doc.components, undefined);
    assert.equal(doc.openapi, undefined);
  });

  test('paths of every served group version are merged', () => {
    for (const p of [
      '/api/v1/namespaces/{namespace}/configmaps',
      '/api/v1/namespaces/{namespace}/configmaps/{name}',
      '/api/v1/namespaces',
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
      '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases',
    ]) {
      assert.ok(paths[p], p);
    }
  });

  test('Deployment definition carries its GVK and the patch metadata of containers', () => {
    const dep = def('io.k8s.api.apps.v1.Deployment');
    assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.equal(dep.type, 'object');
    // a single-reference allOf wrapper becomes a plain $ref beside the description
    const spec = obj(obj(dep.properties).spec);
    assert.equal(spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    assert.equal(spec.allOf, undefined);
    assert.equal(spec.default, undefined);
    assert.equal(typeof spec.description, 'string');
    const containers = obj(obj(def('io.k8s.api.core.v1.PodSpec').properties).containers);
    assert.equal(containers.type, 'array');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(containers.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container' });
    const cm = def('io.k8s.api.core.v1.ConfigMap');
    assert.deepEqual(cm['x-kubernetes-group-version-kind'], [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
  });

  test('int-or-string and quantities are strings with no oneOf', () => {
    const ios = def('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(ios.type, 'string');
    assert.equal(ios.format, 'int-or-string');
    assert.equal(ios.oneOf, undefined);
    assert.equal(def('io.k8s.apimachinery.pkg.api.resource.Quantity').type, 'string');
    walk(doc, (k) => assert.ok(k !== 'oneOf' && k !== 'anyOf' && k !== 'nullable', `v3-only member ${k}`));
  });

  test('every $ref resolves to a definition', () => {
    let refs = 0;
    walk(doc, (k, v) => {
      if (k !== '$ref') return;
      refs++;
      assert.equal(typeof v, 'string');
      const ref = String(v);
      assert.ok(ref.startsWith('#/definitions/'), ref);
      assert.ok(definitions[ref.slice('#/definitions/'.length)], ref);
    });
    assert.ok(refs > 300, `only ${refs} references`);
    walk(doc, (k, v) => assert.ok(typeof v !== 'string' || !v.includes('#/components/'), `${k}: ${String(v)}`));
  });

  test('operations: body parameter, consumes/produces, responses with schemas', () => {
    const item = obj(paths['/apis/apps/v1/namespaces/{namespace}/deployments']);
    const post = obj(item.post);
    assert.deepEqual(post.consumes, ['*/*']);
    assert.ok(arr(post.produces).includes('application/json'));
    assert.deepEqual(post.schemes, ['https']);
    assert.equal(post.requestBody, undefined);
    const params = arr(post.parameters).map(obj);
    assert.deepEqual(params[0], {
      in: 'body',
      name: 'body',
      required: true,
      schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' },
    });
    const dryRun = params.find((p) => p.name === 'dryRun');
    assert.ok(dryRun);
    assert.equal(dryRun.in, 'query');
    assert.equal(dryRun.type, 'string');
    assert.equal(dryRun.schema, undefined);
    const responses = obj(post.responses);
    assert.deepEqual(obj(responses['201']).schema, { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' });
    assert.deepEqual(responses['401'], { description: 'Unauthorized' });
    assert.equal(post['x-kubernetes-action'], 'post');
    assert.deepEqual(post['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });

    const patch = obj(obj(paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']).patch);
    assert.ok(arr(patch.consumes).includes('application/strategic-merge-patch+json'));
    assert.ok(arr(patch.consumes).includes('application/apply-patch+yaml'));
    const list = obj(obj(paths['/api/v1/namespaces/{namespace}/configmaps']).get);
    assert.ok(arr(list.produces).includes('application/json;stream=watch'));
    const pathParams = arr(obj(paths['/api/v1/namespaces/{namespace}/configmaps/{name}']).parameters).map(obj);
    const ns = pathParams.find((p) => p.name === 'namespace');
    assert.ok(ns);
    assert.equal(ns.in, 'path');
    assert.equal(ns.required, true);
    assert.equal(ns.type, 'string');
  });

  test('proxy connect operations: any media in and out, a string reply, no definitions', () => {
    const item = obj(paths['/api/v1/nodes/{name}/proxy/{path}']);
    for (const method of ['delete', 'get', 'head', 'options', 'patch', 'post', 'put']) {
      const op = obj(item[method]);
      assert.deepEqual(op.consumes, ['*/*'], method);
      assert.deepEqual(op.produces, ['*/*'], method);
      assert.deepEqual(op.schemes, ['https']);
      assert.equal(op.parameters, undefined, 'connect operations take no body parameter');
      assert.deepEqual(op.responses, {
        '200': { description: 'OK', schema: { type: 'string' } },
        '401': { description: 'Unauthorized' },
      });
      assert.equal(op['x-kubernetes-action'], 'connect');
    }
    assert.equal(obj(item.put).operationId, 'connectCoreV1PutNodeProxyWithPath');
    assert.deepEqual(item.parameters, [
      {
        description: 'name of the NodeProxyOptions',
        in: 'path',
        name: 'name',
        required: true,
        type: 'string',
        uniqueItems: true,
      },
      {
        description: 'path to the resource',
        in: 'path',
        name: 'path',
        required: true,
        type: 'string',
        uniqueItems: true,
      },
      {
        description: 'Path is the URL path to use for the current proxy request to node.',
        in: 'query',
        name: 'path',
        type: 'string',
        uniqueItems: true,
      },
    ]);
    assert.equal(
      obj(obj(paths['/api/v1/namespaces/{namespace}/pods/{name}/proxy']).head).operationId,
      'connectCoreV1HeadNamespacedPodProxy',
    );
    assert.equal(
      obj(obj(paths['/api/v1/namespaces/{namespace}/services/{name}/proxy/{path}']).options).operationId,
      'connectCoreV1OptionsNamespacedServiceProxyWithPath',
    );
    for (const kind of ['PodProxyOptions', 'ServiceProxyOptions', 'NodeProxyOptions'])
      assert.equal(definitions[`io.k8s.api.core.v1.${kind}`], undefined, kind);
  });

  test('v2Schema unwraps, renames and drops v3-only members', () => {
    assert.deepEqual(
      v2Schema({ allOf: [{ $ref: '#/components/schemas/a.B' }], default: {}, description: 'd', nullable: true }),
      { $ref: '#/definitions/a.B', description: 'd' },
    );
    assert.deepEqual(
      v2Schema({ type: 'array', items: { allOf: [{ $ref: '#/components/schemas/a.B' }], default: {} } }),
      { items: { $ref: '#/definitions/a.B' }, type: 'array' },
    );
    // an allOf of more than a reference stays
    const two = v2Schema({ allOf: [{ $ref: '#/components/schemas/a.B' }, { $ref: '#/components/schemas/a.C' }] });
    assert.deepEqual(two.allOf, [{ $ref: '#/definitions/a.B' }, { $ref: '#/definitions/a.C' }]);
  });
});

/** gnostic Document (decoded, proto field names) back to Swagger JSON, to compare with the source. */
function fromAny(a: unknown): JsonValue {
  return yamlParse(String(obj(a).yaml)) as JsonValue;
}

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return obj(v) as Rec;
}

function extensions(o: Rec, out: JsonObject, field = 'vendor_extension'): void {
  for (const e of (o[field] as Rec[] | undefined) ?? []) out[String(e.name)] = fromAny(e.value);
}

const SCALARS: Array<[string, string]> = [
  ['_ref', '$ref'],
  ['format', 'format'],
  ['title', 'title'],
  ['description', 'description'],
  ['required', 'required'],
  ['in', 'in'],
  ['name', 'name'],
  ['unique_items', 'uniqueItems'],
  ['summary', 'summary'],
  ['operation_id', 'operationId'],
  ['tags', 'tags'],
  ['produces', 'produces'],
  ['consumes', 'consumes'],
  ['schemes', 'schemes'],
];

function scalars(src: Rec, out: JsonObject): void {
  for (const [p, j] of SCALARS) if (src[p] !== undefined) out[j] = src[p] as JsonValue;
}

function schemaBack(s: Rec): JsonObject {
  const out: JsonObject = {};
  scalars(s, out);
  if (s.type) {
    const t = rec(s.type).value as string[];
    out.type = t.length === 1 ? t[0] : t;
  }
  if (s.default) out.default = fromAny(s.default);
  if (s.items) out.items = schemaBack(rec((rec(s.items).schema as Rec[])[0]));
  if (s.additional_properties) {
    const ap = rec(s.additional_properties);
    out.additionalProperties = ap.schema ? schemaBack(rec(ap.schema)) : (ap.boolean as boolean);
  }
  if (s.all_of) out.allOf = (s.all_of as Rec[]).map(schemaBack);
  if (s.properties) {
    const props: JsonObject = {};
    for (const p of rec(s.properties).additional_properties as Rec[]) props[String(p.name)] = schemaBack(rec(p.value));
    out.properties = props;
  }
  extensions(s, out);
  return out;
}

function parameterBack(p: Rec): JsonObject {
  const param = rec(p.parameter);
  const out: JsonObject = {};
  if (param.body_parameter) {
    const b = rec(param.body_parameter);
    scalars(b, out);
    if (b.schema) out.schema = schemaBack(rec(b.schema));
    return out;
  }
  const nb = rec(param.non_body_parameter);
  const sub = rec(Object.values(nb)[0]);
  scalars(sub, out);
  if (sub.type) out.type = sub.type as string;
  extensions(sub, out);
  return out;
}

function operationBack(op: Rec): JsonObject {
  const out: JsonObject = {};
  scalars(op, out);
  if (op.parameters) out.parameters = (op.parameters as Rec[]).map(parameterBack);
  const responses: JsonObject = {};
  for (const r of rec(op.responses).response_code as Rec[]) {
    const resp = rec(rec(r.value).response);
    const v: JsonObject = { description: String(resp.description ?? '') };
    if (resp.schema) v.schema = schemaBack(rec(rec(resp.schema).schema));
    responses[String(r.name)] = v;
  }
  out.responses = responses;
  extensions(op, out);
  return out;
}

function sortDeep(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep(v[k]);
    return out;
  }
  return v;
}

describe('protobuf form', () => {
  const bytes = encodeOpenApiV2Protobuf(doc);
  const back = decodeOpenApiV2Protobuf(bytes) as Rec;

  test('decodes to an openapi.v2.Document with the same top level', () => {
    assert.equal(back.swagger, '2.0');
    assert.deepEqual(back.info, { title: 'Kubernetes', version: 'v1.32.0' });
    const sec = (rec(back.security_definitions).additional_properties as Rec[])[0];
    assert.equal(sec.name, 'BearerToken');
    assert.deepEqual(rec(sec.value).api_key_security, {
      type: 'apiKey',
      name: 'authorization',
      in: 'header',
      description: 'Bearer Token authentication',
    });
    assert.deepEqual(back.security, [{ additional_properties: [{ name: 'BearerToken', value: {} }] }]);
  });

  test('vendor extensions are NamedAny with YAML text, as gnostic writes them', () => {
    const dep = (rec(back.definitions).additional_properties as Rec[]).find(
      (d) => d.name === 'io.k8s.api.apps.v1.Deployment',
    );
    assert.ok(dep);
    const ext = rec(dep.value).vendor_extension as Rec[];
    assert.deepEqual(ext, [
      {
        name: 'x-kubernetes-group-version-kind',
        value: { yaml: '- group: apps\n  kind: Deployment\n  version: v1\n' },
      },
    ]);
    // strings YAML would read as something else stay quoted
    const cm = (rec(back.definitions).additional_properties as Rec[]).find(
      (d) => d.name === 'io.k8s.api.core.v1.ConfigMap',
    );
    const gvk = yamlParse(String(rec((rec(rec(cm).value).vendor_extension as Rec[])[0].value).yaml)) as JsonValue;
    assert.deepEqual(gvk, [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
  });

  test('every definition decodes back to the JSON definition', () => {
    const defs = rec(back.definitions).additional_properties as Rec[];
    assert.deepEqual(
      defs.map((d) => d.name),
      Object.keys(definitions),
    );
    for (const d of defs) {
      assert.deepEqual(sortDeep(schemaBack(rec(d.value))), sortDeep(definitions[String(d.name)]), String(d.name));
    }
  });

  test('every path decodes back to the JSON path item', () => {
    const list = rec(back.paths).path as Rec[];
    assert.deepEqual(
      list.map((p) => p.name),
      Object.keys(paths),
    );
    for (const p of list) {
      const item = rec(p.value);
      const out: JsonObject = {};
      for (const verb of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'])
        if (item[verb]) out[verb] = operationBack(rec(item[verb]));
      if (item.parameters) out.parameters = (item.parameters as Rec[]).map(parameterBack);
      assert.deepEqual(sortDeep(out), sortDeep(paths[String(p.name)]), String(p.name));
    }
  });
});

describe('GET /openapi/v2', () => {
  test('negotiation: JSON by default, protobuf in both spellings, 406 otherwise', () => {
    assert.equal(negotiateOpenApiV2(undefined), 'json');
    assert.equal(negotiateOpenApiV2(''), 'json');
    assert.equal(negotiateOpenApiV2('*/*'), 'json');
    assert.equal(negotiateOpenApiV2('application/json'), 'json');
    assert.equal(negotiateOpenApiV2('application/*'), 'json');
    assert.equal(negotiateOpenApiV2(OPENAPI_V2_PROTOBUF_MEDIA_TYPE), 'protobuf');
    assert.equal(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
    assert.equal(negotiateOpenApiV2(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF_MEDIA_TYPE}`), 'protobuf');
    assert.equal(negotiateOpenApiV2(`${OPENAPI_V2_PROTOBUF_MEDIA_TYPE};q=0.5, application/json`), 'json');
    assert.equal(negotiateOpenApiV2('text/html'), undefined);
    assert.equal(negotiateOpenApiV2('application/yaml'), undefined);
    assert.equal(negotiateOpenApiV2('application/json;q=0'), undefined);
  });

  test('If-None-Match', () => {
    assert.ok(ifNoneMatchHits('"AB"', '"AB"'));
    assert.ok(ifNoneMatchHits('"X", W/"AB"', '"AB"'));
    assert.ok(ifNoneMatchHits('*', '"AB"'));
    assert.ok(!ifNoneMatchHits('"ABC"', '"AB"'));
    assert.ok(!ifNoneMatchHits(undefined, '"AB"'));
  });

  const provider = createOpenApiProvider(schemaSet, () => BUILTIN_RESOURCES);
  const handler = new NonResourceHandler({
    resources: () => BUILTIN_RESOURCES,
    serverAddress: '127.0.0.1:6443',
    openapi: provider,
    healthChecks: { healthz: [], livez: [], readyz: [] },
  });
  const get = (headers: Record<string, string | undefined>): ReturnType<NonResourceHandler['handle']> =>
    handler.handle({ method: 'GET', path: '/openapi/v2', query: new URLSearchParams('timeout=32s'), headers });

  test('serves JSON and protobuf under one ETag, computed once', async () => {
    const v2 = provider.v2();
    assert.equal(provider.v2(), v2);
    assert.equal(v2.etag, openApiV3Hash(v2.json));
    const json = await get({ accept: 'application/json' });
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(json.headers.etag, `"${v2.etag}"`);
    assert.equal(json.headers.vary, 'Accept');
    const served = JSON.parse(json.body.toString()) as JsonObject;
    assert.equal(served.swagger, '2.0');
    assert.ok(obj(served.definitions)['io.k8s.api.apps.v1.Deployment']);

    const pb = await get({ accept: OPENAPI_V2_PROTOBUF_MEDIA_TYPE });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
    assert.equal(pb.headers.etag, `"${v2.etag}"`);
    assert.equal((decodeOpenApiV2Protobuf(pb.body) as Rec).swagger, '2.0');
    assert.ok(pb.body.equals(v2.protobuf));

    const none = await get({});
    assert.equal(none.headers['content-type'], 'application/json');
  });

  test('If-None-Match → 304; unknown media type → 406', async () => {
    const etag = `"${provider.v2().etag}"`;
    const r = await get({ accept: OPENAPI_V2_PROTOBUF_MEDIA_TYPE, 'if-none-match': etag });
    assert.equal(r.status, 304);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.etag, etag);
    await assert.rejects(
      () => get({ accept: 'text/html' }),
      (e: unknown) => e instanceof StatusError && e.code === 406,
    );
  });

  test('listed at /', async () => {
    const r = await handler.handle({ method: 'GET', path: '/', query: new URLSearchParams(), headers: {} });
    const list = obj(JSON.parse(r.body.toString()) as JsonValue).paths;
    assert.ok(arr(list).includes('/openapi/v2'));
  });
});
