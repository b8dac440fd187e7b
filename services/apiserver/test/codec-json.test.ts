import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { decodeJsonBody, decodeObject, encodeJson, normalizeObject } from '../src/codec/json';
import { messageForKind } from '../src/schema/kinds';
import { loadSchemaSet } from '../src/schema/load';
import { objectFixtures } from './schema-fixtures';

const schemas = loadSchemaSet();
const CONFIGMAP = 'k8s.io.api.core.v1.ConfigMap';
const DEPLOYMENT = 'k8s.io.api.apps.v1.Deployment';
const SERVED = new Set([
  'core.v1.Namespace',
  'core.v1.ConfigMap',
  'core.v1.Secret',
  'core.v1.Event',
  'coordination.k8s.io.v1.Lease',
  'apps.v1.Deployment',
]);

function badRequest(fn: () => unknown, messagePart: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError, `not a StatusError: ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    assert.match(err.message, messagePart);
    return true;
  });
}

test('every JSON fixture decodes without unknown fields and normalizes to itself', () => {
  const fixtures = objectFixtures();
  assert.ok(fixtures.length >= 175);
  for (const s of SERVED)
    assert.ok(
      fixtures.some((f) => f.name === s),
      s,
    );
  for (const fx of fixtures) {
    const message = messageForKind(schemas, fx.group, fx.version, fx.kind);
    assert.ok(message, `no message for ${fx.name}`);
    const original = JSON.parse(fs.readFileSync(fx.jsonPath, 'utf8')) as Record<string, unknown>;
    const { object, unknownFields } = decodeObject(schemas, message, original);
    assert.deepEqual(unknownFields, [], fx.name);
    assert.deepEqual(normalizeObject(schemas, message, object), original, fx.name);
    assert.deepEqual(JSON.parse(encodeJson(schemas, message, object)), original, fx.name);
  }
});

test('canonical member order follows the Go struct, kind and apiVersion first', () => {
  const out = encodeJson(schemas, CONFIGMAP, {
    data: { b: '2', a: '1' },
    metadata: { namespace: 'ns', name: 'n' },
    apiVersion: 'v1',
    kind: 'ConfigMap',
  });
  assert.equal(
    out,
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"n","namespace":"ns","creationTimestamp":null},"data":{"a":"1","b":"2"}}',
  );
});

test('omitempty rules follow encoding/json', () => {
  const ns = normalizeObject(schemas, 'k8s.io.api.core.v1.Namespace', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'a', labels: {}, finalizers: [], generation: 0 },
  });
  // zero Time is written as null; empty structs are always written; empty maps/lists/zero ints dropped
  assert.deepEqual(ns, {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: 'a', creationTimestamp: null },
    spec: {},
    status: {},
  });
  const dep = normalizeObject(schemas, DEPLOYMENT, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      replicas: 0,
      template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } },
    },
  });
  const spec = dep.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 0, 'pointer to zero is kept');
  assert.equal(spec.selector, null, 'nil pointer without omitempty is null');
  const tmpl = spec.template as { metadata: unknown; spec: { containers: Array<Record<string, unknown>> } };
  assert.deepEqual(tmpl.metadata, { creationTimestamp: null });
  assert.deepEqual(tmpl.spec.containers[0].ports, [{ containerPort: 80 }]);
  assert.deepEqual(tmpl.spec.containers[0].resources, {});
});

test('unknown fields are reported with their paths and dropped', () => {
  const { object, unknownFields } = decodeObject(schemas, DEPLOYMENT, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', bogusMeta: 1 },
    spec: {
      foo: true,
      template: { kind: 'x', spec: { containers: [{ name: 'a' }, { name: 'b', bogus: 'x' }] } },
    },
  });
  assert.deepEqual(unknownFields, [
    'metadata.bogusMeta',
    'spec.foo',
    'spec.template.kind',
    'spec.template.spec.containers[1].bogus',
  ]);
  const spec = object.spec as Record<string, unknown>;
  assert.equal('foo' in spec, false);
  assert.deepEqual((object.metadata as Record<string, unknown>).name, 'd');
});

test('type errors are 400 BadRequest naming the field', () => {
  badRequest(
    () => decodeObject(schemas, CONFIGMAP, { metadata: { labels: 'x' } }),
    /cannot unmarshal string into Go struct field ObjectMeta\.metadata\.labels of type map\[string\]string/,
  );
  badRequest(
    () => decodeObject(schemas, CONFIGMAP, { data: { a: 1 } }),
    /cannot unmarshal number into Go struct field ConfigMap\.data of type string/,
  );
  badRequest(
    () => decodeObject(schemas, DEPLOYMENT, { spec: { replicas: 1.5 } }),
    /number 1\.5 into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
  );
  badRequest(() => decodeObject(schemas, DEPLOYMENT, { spec: { replicas: 2 ** 31 } }), /spec\.replicas/);
  badRequest(
    () => decodeObject(schemas, CONFIGMAP, { metadata: { creationTimestamp: 'yesterday' } }),
    /metadata\.creationTimestamp/,
  );
  badRequest(() => decodeObject(schemas, CONFIGMAP, { binaryData: { a: 'not base64!' } }), /binaryData/);
  badRequest(() => decodeObject(schemas, CONFIGMAP, []), /cannot unmarshal array into Go value/);
  badRequest(() => decodeObject(schemas, CONFIGMAP, { kind: 5 }), /kind/);
  badRequest(
    () =>
      decodeObject(schemas, 'k8s.io.api.core.v1.Pod', {
        spec: { containers: [{ resources: { limits: { cpu: 'lots' } } }] },
      }),
    /quantities must match/,
  );
  badRequest(
    () => decodeObject(schemas, CONFIGMAP, { metadata: 'x' }, { kind: 'ConfigMap', version: 'v1' }),
    /^ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string/,
  );
  badRequest(() => decodeJsonBody(schemas, CONFIGMAP, '{"metadata": '), /json/);
});

test('custom JSON forms are validated and canonicalised', () => {
  const { object } = decodeObject(schemas, 'k8s.io.api.core.v1.Event', {
    metadata: { creationTimestamp: '2020-01-02T03:04:05.999+01:00' },
    eventTime: '2020-01-02T03:04:05.1234567Z',
    firstTimestamp: null,
  });
  assert.equal((object.metadata as Record<string, unknown>).creationTimestamp, '2020-01-02T02:04:05Z');
  assert.equal(object.eventTime, '2020-01-02T03:04:05.123456Z');
  assert.equal('firstTimestamp' in object, false);
  const pod = decodeObject(schemas, 'k8s.io.api.core.v1.Pod', {
    spec: {
      containers: [
        {
          name: 'c',
          resources: { limits: { cpu: 1, memory: '1Gi' } },
          livenessProbe: { httpGet: { port: 'http' }, tcpSocket: { port: 8080 } },
        },
      ],
    },
  }).object;
  const c = (pod.spec as { containers: Array<Record<string, Record<string, Record<string, unknown>>>> }).containers[0];
  assert.deepEqual(c.resources.limits, { cpu: '1', memory: '1Gi' });
  assert.equal(c.livenessProbe.httpGet.port, 'http');
  assert.equal(c.livenessProbe.tcpSocket.port, 8080);
  badRequest(
    () =>
      decodeObject(schemas, 'k8s.io.api.core.v1.Pod', {
        spec: { containers: [{ livenessProbe: { tcpSocket: { port: true } } }] },
      }),
    /tcpSocket\.port/,
  );
  const hpa = decodeObject(schemas, 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration', {}).object;
  assert.deepEqual(hpa, {});
});

test('hostile input: depth limit, __proto__ keys, never anything but StatusError', () => {
  let deep: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < 500; i++) deep = { x: deep };
  badRequest(() => decodeObject(schemas, CONFIGMAP, { metadata: { managedFields: [{ fieldsV1: deep }] } }), /depth/);
  let deepList: unknown = [];
  for (let i = 0; i < 200000; i++) deepList = [deepList];
  badRequest(
    () => decodeObject(schemas, CONFIGMAP, { metadata: { managedFields: [{ fieldsV1: deepList }] } }),
    /depth/,
  );

  const hostile = JSON.parse(
    '{"metadata":{"labels":{"__proto__":"x","a":"b"}},"__proto__":{"polluted":true}}',
  ) as unknown;
  const { object, unknownFields } = decodeObject(schemas, CONFIGMAP, hostile);
  assert.deepEqual(unknownFields, ['__proto__']);
  const labels = (object.metadata as Record<string, unknown>).labels as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.equal(Object.prototype.hasOwnProperty.call(labels, '__proto__'), true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const encoded = JSON.parse(encodeJson(schemas, CONFIGMAP, object)) as {
    metadata: { labels: Record<string, string> };
  };
  assert.equal(Object.prototype.hasOwnProperty.call(encoded.metadata.labels, '__proto__'), true);

  for (const junk of [undefined, 1, 'x', true, null, [1], { metadata: [] }, { data: null, metadata: null }]) {
    try {
      decodeObject(schemas, CONFIGMAP, junk);
    } catch (err) {
      assert.ok(err instanceof StatusError, `threw ${String(err)}`);
    }
  }
});
