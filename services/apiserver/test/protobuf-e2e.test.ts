import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Reader } from 'protobufjs/minimal';
import { decodeUnknown, hasProtobufMagic } from '../src/codec/envelope';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../src/codec/protobuf';
import { loadSchemaSet } from '../src/schema/load';
import { sharedFixturesDir } from '../src/schema/paths';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const PB = 'application/vnd.kubernetes.protobuf';
const CM = '/api/v1/namespaces/default/configmaps';
const schemas = loadSchemaSet();

function fixture(name: string, ext: 'json' | 'pb'): Buffer {
  return readFileSync(path.join(sharedFixturesDir(), 'objects', `${name}.${ext}`));
}

/** Reads length-prefixed protobuf watch frames until `count` events arrived. */
function readProtobufWatch(
  c: ApiClient,
  p: string,
  count: number,
): Promise<Array<{ type: string; object: Record<string, unknown> }>> {
  return new Promise((resolve, reject) => {
    const agent = (c as unknown as { agent: https.Agent }).agent;
    const events: Array<{ type: string; object: Record<string, unknown> }> = [];
    let buf = Buffer.alloc(0);
    const req = https.get(new URL(p, c.server), { agent, headers: { accept: PB } }, (res) => {
      assert.equal(res.headers['content-type'], 'application/vnd.kubernetes.protobuf;stream=watch');
      res.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          const len = buf.readUInt32BE(0);
          const r = Reader.create(buf.subarray(4, 4 + len));
          buf = buf.subarray(4 + len);
          let type = '';
          let raw: Uint8Array = new Uint8Array();
          while (r.pos < r.len) {
            const tag = r.uint32();
            if (tag >>> 3 === 1) type = r.string();
            else if (tag >>> 3 === 2) {
              const inner = Reader.create(r.bytes());
              while (inner.pos < inner.len) {
                const t = inner.uint32();
                if (t >>> 3 === 1) raw = inner.bytes();
                else inner.skipType(t & 7);
              }
            } else r.skipType(tag & 7);
          }
          events.push({ type, object: decodeObjectProtobuf(schemas, raw) as Record<string, unknown> });
          if (events.length >= count) {
            req.destroy();
            resolve(events);
          }
        }
      });
    });
    req.on('error', (e) => {
      if (events.length < count) reject(e);
    });
    setTimeout(() => {
      req.destroy();
      reject(new Error(`only ${events.length} protobuf watch events`));
    }, 10_000).unref();
  });
}

describe('protobuf on the wire and in etcd', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let kv: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    c = new ApiClient(replica.kubeconfig);
    kv = new Etcd3({ hosts: etcd.endpoint });
  });

  after(async () => {
    c?.close();
    kv?.close();
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('create in protobuf, get and list in protobuf, errors as protobuf Status', async () => {
    const body = Buffer.from(
      encodeObjectProtobuf(schemas, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'pb1' },
        data: { a: 'b' },
      }),
    );
    const created = await c.request('POST', CM, body, { 'content-type': PB, accept: PB });
    assert.equal(created.status, 201);
    assert.equal(created.headers['content-type'], PB);
    const obj = decodeObjectProtobuf(schemas, created.body);
    assert.equal(obj.kind, 'ConfigMap');
    assert.deepEqual(obj.data, { a: 'b' });
    const list = await c.request('GET', CM, undefined, { accept: `${PB}, application/json` });
    const env = decodeUnknown(list.body);
    assert.deepEqual([env.apiVersion, env.kind], ['v1', 'ConfigMapList']);
    const decoded = decodeObjectProtobuf(schemas, list.body) as { items: Array<{ metadata: { name: string } }> };
    assert.ok(decoded.items.some((i) => i.metadata.name === 'pb1'));
    const missing = await c.request('GET', `${CM}/nope`, undefined, { accept: PB });
    assert.equal(missing.status, 404);
    const status = decodeObjectProtobuf(schemas, missing.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'NotFound');
  });

  test('values in etcd are k8s\\0 + runtime.Unknown under upstream keys', async () => {
    const raw = await kv.get('/registry/configmaps/default/pb1').buffer();
    assert.ok(raw && hasProtobufMagic(raw));
    const env = decodeUnknown(raw);
    assert.deepEqual([env.apiVersion, env.kind], ['v1', 'ConfigMap']);
    const stored = decodeObjectProtobuf(schemas, raw);
    assert.equal(stored.metadata?.resourceVersion, undefined, 'resourceVersion is not stored');
    assert.deepEqual(stored.data, { a: 'b' });
  });

  test('an object kube-apiserver wrote to etcd is served by kapi', async () => {
    const pb = fixture('core.v1.ConfigMap', 'pb');
    const want = JSON.parse(fixture('core.v1.ConfigMap', 'json').toString()) as { metadata: Record<string, unknown> };
    await c.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'namespacevalue' },
    });
    // the fixture's namespace is not a valid name; store it under its own key as kube-apiserver would have
    await kv.put('/registry/configmaps/namespaceValue/nameValue').value(pb);
    const got = await c.request('GET', '/api/v1/namespaces/namespaceValue/configmaps/nameValue');
    assert.equal(got.status, 200, got.body.toString());
    const obj = got.json<{ metadata: Record<string, unknown> }>();
    assert.match(String(obj.metadata.resourceVersion), /^\d+$/);
    want.metadata.resourceVersion = obj.metadata.resourceVersion;
    assert.deepEqual(obj, want);
  });

  test('JSON values written with --storage-media-type=application/json stay readable and migrate on write', async () => {
    await kv.put('/registry/configmaps/default/legacy').value(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'legacy', namespace: 'default', uid: 'u-1', creationTimestamp: '2020-01-01T00:00:00Z' },
        data: { old: 'json' },
      }),
    );
    const got = await c.request('GET', `${CM}/legacy`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json<{ data: Record<string, string> }>().data, { old: 'json' });
    const patched = await c.request(
      'PATCH',
      `${CM}/legacy`,
      { data: { old: 'json', now: 'pb' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(patched.status, 200);
    const raw = await kv.get('/registry/configmaps/default/legacy').buffer();
    assert.ok(raw && hasProtobufMagic(raw), 'rewritten as protobuf');
  });

  test('DeleteOptions in a protobuf body are honoured (preconditions, dryRun)', async () => {
    await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pbdel' } });
    const opts = (o: Record<string, unknown>) =>
      Buffer.from(encodeObjectProtobuf(schemas, { apiVersion: 'v1', kind: 'DeleteOptions', ...o }));
    const stale = await c.request('DELETE', `${CM}/pbdel`, opts({ preconditions: { uid: 'not-the-uid' } }), {
      'content-type': PB,
      accept: PB,
    });
    assert.equal(stale.status, 409);
    assert.equal(decodeObjectProtobuf(schemas, stale.body).reason, 'Conflict');
    const dry = await c.request('DELETE', `${CM}/pbdel`, opts({ dryRun: ['All'] }), { 'content-type': PB });
    assert.equal(dry.status, 200);
    assert.equal((await c.request('GET', `${CM}/pbdel`)).status, 200, 'dry run kept the object');
    const real = await c.request('DELETE', `${CM}/pbdel`, opts({ propagationPolicy: 'Background' }), {
      'content-type': PB,
    });
    assert.equal(real.status, 200);
    assert.equal((await c.request('GET', `${CM}/pbdel`)).status, 404);
  });

  test('watch in protobuf delivers length-prefixed WatchEvent frames', async () => {
    const rv = (await c.request('GET', CM)).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const pending = readProtobufWatch(c, `${CM}?watch=true&resourceVersion=${rv}`, 2);
    await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pbw' } });
    await c.request('DELETE', `${CM}/pbw`);
    const events = await pending;
    assert.deepEqual(
      events.map((e) => `${e.type}:${(e.object.metadata as { name: string }).name}:${String(e.object.kind)}`),
      ['ADDED:pbw:ConfigMap', 'DELETED:pbw:ConfigMap'],
    );
  });
});
