import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../src/api/object';
import { filterV2Spec, type RemoteOpenApiSpec } from '../src/aggregator/remote-openapi';
import { mergeV2Specs } from '../src/openapi/v2-merge';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import { loadSchemaSet } from '../src/schema/load';
import { createOpenApiProvider } from '../src/server/openapi-provider';

const ref = (name: string): JsonObject => ({ $ref: `#/definitions/${name}` });

describe('OpenAPI aggregation of remote APIServices', () => {
  it('keeps only the APIService group/version paths and the definitions they reach', () => {
    const spec: JsonObject = {
      swagger: '2.0',
      paths: {
        '/apis/sample.io/v1/things': { get: { responses: { '200': { schema: ref('Thing') } } } },
        '/apis/sample.io/v2/things': { get: { responses: { '200': { schema: ref('ThingV2') } } } },
        '/version/': { get: { responses: { '200': { schema: ref('Info') } } } },
      },
      definitions: {
        Thing: { properties: { meta: ref('Meta') } },
        Meta: { type: 'object' },
        ThingV2: { type: 'object' },
        Info: { type: 'object' },
      },
    };
    const filtered = filterV2Spec(spec, 'sample.io', 'v1');
    assert.deepEqual(Object.keys(filtered.paths as JsonObject), ['/apis/sample.io/v1/things']);
    assert.deepEqual(Object.keys(filtered.definitions as JsonObject), ['Meta', 'Thing']);
    assert.equal(filtered.swagger, '2.0');
  });

  it('merges: existing paths stay, equal definitions are shared, different ones are renamed with their references', () => {
    const base: JsonObject = {
      definitions: { Meta: { type: 'object', description: 'kapi' }, Shared: { b: 1, a: 2 } },
      info: { title: 'Kubernetes' },
      paths: { '/api/v1/pods': { get: {} }, '/apis/sample.io/v1/clash': { get: { own: true } } },
      swagger: '2.0',
    };
    const remoteSpec: JsonObject = {
      definitions: {
        Meta: { type: 'object', description: 'remote' },
        Shared: { a: 2, b: 1 },
        Thing: { properties: { meta: ref('Meta'), shared: ref('Shared') } },
      },
      paths: {
        '/apis/sample.io/v1/things': { get: { responses: { '200': { schema: ref('Thing') } } } },
        '/apis/sample.io/v1/clash': { get: { own: false } },
      },
    };
    const merged = mergeV2Specs(base, [remoteSpec]);
    assert.deepEqual(Object.keys(merged), ['definitions', 'info', 'paths', 'swagger']);
    const defs = merged.definitions as Record<string, JsonObject>;
    assert.deepEqual(Object.keys(defs), ['Meta', 'Meta_v2', 'Shared', 'Thing']);
    assert.equal(defs.Meta.description, 'kapi');
    assert.equal(defs.Meta_v2.description, 'remote');
    assert.deepEqual(defs.Thing.properties, { meta: ref('Meta_v2'), shared: ref('Shared') });
    const paths = merged.paths as Record<string, JsonObject>;
    assert.deepEqual(paths['/apis/sample.io/v1/clash'], { get: { own: true } });
    assert.ok(paths['/apis/sample.io/v1/things']);
  });

  it("kapi's documents list and serve the remote group versions and merge the remote v2", () => {
    const remoteV3 = Buffer.from(JSON.stringify({ openapi: '3.0.0', paths: { '/apis/sample.io/v1/things': {} } }));
    let specs: RemoteOpenApiSpec[] = [];
    const provider = createOpenApiProvider(
      loadSchemaSet(),
      () => BUILTIN_RESOURCES.filter((r) => r.group === '' && r.resource === 'configmaps'),
      () => specs,
    );
    const before = provider.v2().etag;
    assert.deepEqual(Object.keys(provider.v3Index().paths as JsonObject), ['api/v1']);
    specs = [
      {
        apiService: 'v1.sample.io',
        v2: {
          paths: { '/apis/sample.io/v1/things': { get: { responses: { '200': { schema: ref('io.sample.Thing') } } } } },
          definitions: { 'io.sample.Thing': { type: 'object' } },
        },
        v3Index: {
          'apis/sample.io/v1': { serverRelativeURL: '/openapi/v3/apis/sample.io/v1?hash=ABC' },
          // a path kapi serves itself stays kapi's
          'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=REMOTE' },
        },
        v3Documents: new Map([
          ['apis/sample.io/v1', { body: remoteV3, etag: 'ABC' }],
          ['api/v1', { body: Buffer.from('{}'), etag: 'REMOTE' }],
        ]),
        fingerprint: 'x',
      },
    ];
    const index = provider.v3Index().paths as Record<string, { serverRelativeURL: string }>;
    assert.deepEqual(Object.keys(index), ['api/v1', 'apis/sample.io/v1']);
    assert.equal(index['apis/sample.io/v1'].serverRelativeURL, '/openapi/v3/apis/sample.io/v1?hash=ABC');
    assert.ok(!index['api/v1'].serverRelativeURL.endsWith('REMOTE'));
    assert.equal(provider.v3Document('apis/sample.io/v1')?.body, remoteV3);
    assert.notEqual(provider.v3Document('api/v1')?.etag, 'REMOTE');
    const v2 = provider.v2();
    assert.notEqual(v2.etag, before, 'the merged document is a new one');
    const doc = JSON.parse(v2.json.toString()) as { paths: JsonObject; definitions: JsonObject };
    assert.ok(doc.paths['/apis/sample.io/v1/things']);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/configmaps']);
    assert.ok(doc.definitions['io.sample.Thing']);
    assert.ok(v2.protobuf.includes(Buffer.from('/apis/sample.io/v1/things')), 'the protobuf form is the merged one');
    specs = [];
    assert.equal(provider.v2().etag, before, 'the remote part leaves with its APIService');
    assert.equal(provider.v3Document('apis/sample.io/v1'), undefined);
  });
});
