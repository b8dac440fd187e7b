import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { Writer } from 'protobufjs/minimal';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { decodeUnknown, encodeUnknown, PROTOBUF_MAGIC } from '../src/codec/envelope';
import { normalizeObject } from '../src/codec/json';
import { decodeMessage, decodeObjectProtobuf, encodeMessage, encodeObjectProtobuf } from '../src/codec/protobuf';
import { messageForKind } from '../src/schema/kinds';
import { loadSchemaSet } from '../src/schema/load';
import { objectFixtures } from './schema-fixtures';

const schemas = loadSchemaSet();
const CONFIGMAP = 'k8s.io.api.core.v1.ConfigMap';
const POD = 'k8s.io.api.core.v1.Pod';

function badRequest(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError, `not a StatusError: ${String(err)}`);
    assert.equal(err.code, 400);
    return true;
  });
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

test('every .pb fixture decodes to its .json fixture and re-encodes to identical bytes', () => {
  const fixtures = objectFixtures();
  assert.ok(fixtures.length >= 175);
  for (const fx of fixtures) {
    const message = messageForKind(schemas, fx.group, fx.version, fx.kind);
    assert.ok(message, fx.name);
    const bytes = new Uint8Array(fs.readFileSync(fx.pbPath));
    const expected = JSON.parse(fs.readFileSync(fx.jsonPath, 'utf8')) as KubeObject;
    const envelope = decodeUnknown(bytes);
    const decoded = decodeMessage(schemas, message, envelope.raw);
    const withTypeMeta = normalizeObject(schemas, message, {
      kind: envelope.kind || undefined,
      apiVersion: envelope.apiVersion || undefined,
      ...decoded,
    });
    assert.deepEqual(withTypeMeta, expected, `${fx.name} decode`);
    const reencoded = encodeUnknown(envelope, encodeMessage(schemas, message, expected));
    assert.equal(hex(reencoded), hex(bytes), `${fx.name} encode`);
    if (envelope.kind) {
      assert.equal(hex(encodeObjectProtobuf(schemas, expected)), hex(bytes), `${fx.name} encodeObjectProtobuf`);
      assert.deepEqual(decodeObjectProtobuf(schemas, bytes), expected, `${fx.name} decodeObjectProtobuf`);
    }
  }
});

test('envelope layout: magic, typeMeta, raw, empty contentEncoding and contentType', () => {
  const bytes = encodeUnknown({ apiVersion: 'v1', kind: 'ConfigMap' }, Uint8Array.of(1, 2));
  assert.equal(hex(bytes), '6b3873000a0f0a0276311209436f6e6669674d617012020102' + '1a002200');
  const back = decodeUnknown(bytes);
  assert.deepEqual(back, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    raw: Uint8Array.of(1, 2),
    contentEncoding: '',
    contentType: '',
  });
});

test('encoder writes non-pointer zero fields, skips unset pointers, sorts map keys, unpacks repeated scalars', () => {
  const cm = encodeMessage(schemas, CONFIGMAP, { data: { b: '2', a: '1' } });
  // metadata (non-pointer) written with its non-pointer zero fields, creationTimestamp (8) as an
  // empty Time; unset pointers (e.g. immutable) skipped; data entries sorted by key
  assert.equal(
    hex(cm),
    '0a10' + '0a0012001a0022002a003200380042' + '00' + '1206' + '0a0161' + '120131' + '1206' + '0a0162' + '120132',
  );
  const pod = encodeMessage(schemas, POD, { spec: { securityContext: { supplementalGroups: [1, 2] } } });
  const decoded = decodeMessage(schemas, POD, pod);
  const spec = decoded.spec as { securityContext: { supplementalGroups: number[] } };
  assert.deepEqual(spec.securityContext.supplementalGroups, [1, 2]);
  assert.ok(hex(pod).includes('2001' + '2002'), 'unpacked: one tag 4 (varint) per element');
});

test('decoder accepts packed repeated scalars', () => {
  const sc = new Writer();
  sc.uint32((4 << 3) | 2)
    .fork()
    .int64(5)
    .int64(6)
    .ldelim();
  const podSecurityContext = decodeMessage(schemas, 'k8s.io.api.core.v1.PodSecurityContext', sc.finish());
  assert.deepEqual(podSecurityContext.supplementalGroups, [5, 6]);
});

test('custom forms: Time, IntOrString, Quantity, RawExtension', () => {
  const obj: KubeObject = {
    metadata: { name: 'p', creationTimestamp: '2008-01-01T01:01:01Z' },
    spec: {
      containers: [
        {
          name: 'c',
          resources: { limits: { cpu: '250m' } },
          livenessProbe: { httpGet: { port: 'http' } },
          readinessProbe: { tcpSocket: { port: 8080 } },
        },
      ],
    },
  };
  const back = decodeMessage(schemas, POD, encodeMessage(schemas, POD, obj));
  assert.equal((back.metadata as Record<string, unknown>).creationTimestamp, '2008-01-01T01:01:01Z');
  const c = (back.spec as { containers: Array<Record<string, Record<string, Record<string, unknown>>>> }).containers[0];
  assert.deepEqual(c.resources.limits, { cpu: '250m' });
  assert.equal(c.livenessProbe.httpGet.port, 'http');
  assert.equal(c.readinessProbe.tcpSocket.port, 8080);
  const ev = { type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' } } };
  const watchEvent = 'k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent';
  assert.deepEqual(decodeMessage(schemas, watchEvent, encodeMessage(schemas, watchEvent, ev)), ev);
  // embedded protobuf objects (protobuf watch streams) decode too
  const nested = new Writer();
  nested.uint32(0x0a).string('ADDED');
  nested.uint32(0x12).fork().uint32(0x0a).bytes(encodeObjectProtobuf(schemas, ev.object)).ldelim();
  const fromProto = decodeMessage(schemas, watchEvent, nested.finish());
  assert.deepEqual(fromProto.object, normalizeObject(schemas, CONFIGMAP, ev.object));
});

test('hostile protobuf input is always a 400', () => {
  const good = encodeObjectProtobuf(schemas, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a' },
    data: { k: 'v' },
  });
  badRequest(() => decodeUnknown(Uint8Array.of(1, 2, 3, 4, 5)));
  badRequest(() => decodeUnknown(new Uint8Array(0)));
  badRequest(() => decodeObjectProtobuf(schemas, Uint8Array.from([...PROTOBUF_MAGIC, 0x0a, 0x0f, 0x0a])));
  for (let cut = 5; cut < good.length - 4; cut++) {
    try {
      decodeObjectProtobuf(schemas, good.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof StatusError && err.code === 400, `cut ${cut}: ${String(err)}`);
    }
  }
  // absurd length
  badRequest(() => decodeMessage(schemas, CONFIGMAP, Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00)));
  // wrong wire type for metadata (varint instead of bytes)
  badRequest(() => decodeMessage(schemas, CONFIGMAP, Uint8Array.of(0x08, 0x01)));
  // groups / invalid wire types in unknown fields
  badRequest(() => decodeMessage(schemas, CONFIGMAP, Uint8Array.of(0x7b, 0x7c)));
  badRequest(() => decodeMessage(schemas, CONFIGMAP, Uint8Array.of(0x0f)));
  // tag 0
  badRequest(() => decodeMessage(schemas, CONFIGMAP, Uint8Array.of(0x00, 0x00)));
  // deep nesting: JSONSchemaProps.not (field 31? any self-reference) built 5000 levels deep
  const props = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
  const notField = schemas.message(props).fields.find((f) => f.jsonName === 'not');
  assert.ok(notField);
  let deep: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 5000; i++) {
    const w = new Writer();
    w.uint32((notField.number << 3) | 2).bytes(deep);
    deep = w.finish();
  }
  badRequest(() => decodeMessage(schemas, props, deep));
  // random garbage never crashes
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 2000; i++) {
    const junk = new Uint8Array(1 + (rand() % 64)).map(() => rand() & 0xff);
    for (const name of [CONFIGMAP, POD, 'k8s.io.api.apps.v1.Deployment']) {
      try {
        decodeMessage(schemas, name, junk);
      } catch (err) {
        assert.ok(err instanceof StatusError && err.code === 400, String(err));
      }
    }
  }
});

test('kinds without a proto message are not encodable as protobuf', () => {
  assert.throws(
    () => encodeObjectProtobuf(schemas, { apiVersion: 'example.com/v1', kind: 'Widget' }),
    (err: unknown) => err instanceof StatusError && err.code === 406,
  );
});
