import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Type } from 'protobufjs';
import { Etcd3 } from 'etcd3';
import { parse as parseYaml } from 'yaml';
import { loadProtoRoot } from '../src/schema/proto-parse';
import { sharedFixturesDir } from '../src/schema/paths';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/**
 * A protobuf client written against the wire format with plain protobufjs
 * reflection over proto/, not kapi's codec: it edits fixture bytes and reads
 * kapi's answers, as a client-go protobuf client would.
 */
const PB = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const root = loadProtoRoot();
const Unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
const ConfigMap = root.lookupType('k8s.io.api.core.v1.ConfigMap');
const ConfigMapList = root.lookupType('k8s.io.api.core.v1.ConfigMapList');
const WatchEvent = root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.WatchEvent');
const Status = root.lookupType('k8s.io.apimachinery.pkg.apis.meta.v1.Status');

type Msg = Record<string, unknown> & { metadata?: Record<string, unknown> };

function unwrap(bytes: Buffer, type: Type): { typeMeta: { apiVersion: string; kind: string }; message: Msg } {
  assert.ok(bytes.subarray(0, 4).equals(MAGIC), 'k8s\\0 magic');
  const u = Unknown.toObject(Unknown.decode(bytes.subarray(4)), { defaults: true }) as {
    typeMeta: { apiVersion: string; kind: string };
    raw: Uint8Array;
  };
  return { typeMeta: u.typeMeta, message: type.toObject(type.decode(u.raw), { longs: Number }) as Msg };
}

function wrap(apiVersion: string, kind: string, type: Type, message: Msg): Buffer {
  const raw = type.encode(type.fromObject(message)).finish();
  const body = Unknown.encode(
    Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' }),
  ).finish();
  return Buffer.concat([MAGIC, body]);
}

describe('a protobuf client written against the wire format', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let kv: Etcd3;
  const fixturePb = readFileSync(path.join(sharedFixturesDir(), 'objects', 'core.v1.ConfigMap.pb'));

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

  test('create, get, list and watch with edited fixture bytes', async () => {
    const { message } = unwrap(fixturePb, ConfigMap);
    const meta = message.metadata as Record<string, unknown>;
    meta.name = 'wire';
    meta.namespace = 'default';
    for (const k of [
      'generateName',
      'resourceVersion',
      'uid',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'finalizers',
      'managedFields',
      'selfLink',
      'generation',
    ])
      delete meta[k];
    const watchRV = (await c.request('GET', '/api/v1/namespaces/default/configmaps')).json<{
      metadata: { resourceVersion: string };
    }>().metadata.resourceVersion;

    const created = await c.request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      wrap('v1', 'ConfigMap', ConfigMap, message),
      { 'content-type': PB, accept: PB },
    );
    assert.equal(
      created.status,
      201,
      JSON.stringify(created.status === 201 ? {} : unwrap(created.body, Status).message),
    );
    const back = unwrap(created.body, ConfigMap);
    assert.deepEqual(back.typeMeta, { apiVersion: 'v1', kind: 'ConfigMap' });
    assert.equal(back.message.metadata?.name, 'wire');
    assert.deepEqual(back.message.data, message.data);
    assert.deepEqual(back.message.binaryData, message.binaryData);
    assert.match(String(back.message.metadata?.resourceVersion), /^\d+$/);

    const got = unwrap(
      (await c.request('GET', '/api/v1/namespaces/default/configmaps/wire', undefined, { accept: PB })).body,
      ConfigMap,
    );
    assert.equal(got.message.metadata?.uid, back.message.metadata?.uid);

    const list = unwrap(
      (await c.request('GET', '/api/v1/namespaces/default/configmaps', undefined, { accept: PB })).body,
      ConfigMapList,
    );
    assert.deepEqual(list.typeMeta, { apiVersion: 'v1', kind: 'ConfigMapList' });
    const items = list.message.items as Msg[];
    assert.ok(items.some((i) => i.metadata?.name === 'wire'));

    const missing = await c.request('GET', '/api/v1/namespaces/default/configmaps/nope', undefined, { accept: PB });
    const status = unwrap(missing.body, Status);
    assert.equal(status.message.reason, 'NotFound');
    assert.equal(status.message.code, 404);

    // a protobuf watch from before the create replays it as the first frame
    const frames = await new Promise<Array<{ type: string; object: Msg }>>((resolve, reject) => {
      const agent = (c as unknown as { agent: https.Agent }).agent;
      let buf = Buffer.alloc(0);
      const req = https.get(
        new URL(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${watchRV}`, c.server),
        { agent, headers: { accept: PB } },
        (res) => {
          res.on('data', (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
              const len = buf.readUInt32BE(0);
              const ev = WatchEvent.toObject(WatchEvent.decode(buf.subarray(4, 4 + len))) as {
                type: string;
                object: { raw: Uint8Array };
              };
              buf = buf.subarray(4 + len);
              const object = unwrap(Buffer.from(ev.object.raw), ConfigMap).message;
              // other writers (the kube-root-ca.crt controller) may come first
              if (object.metadata?.name !== 'wire') continue;
              req.destroy();
              resolve([{ type: ev.type, object }]);
              return;
            }
          });
        },
      );
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
    assert.equal(frames[0].type, 'ADDED');
    assert.equal(frames[0].object.metadata?.name, 'wire');
  });

  test('fixture bytes put into etcd under upstream keys are served to kubectl get -o yaml', async () => {
    await kv.put('/registry/configmaps/default/from-upstream').value(fixturePb);
    const y = parseYaml(
      await kubectlOk(replica?.kubeconfig ?? '', ['get', 'cm', 'from-upstream', '-n', 'default', '-o', 'yaml']),
    ) as Msg;
    const want = JSON.parse(
      readFileSync(path.join(sharedFixturesDir(), 'objects', 'core.v1.ConfigMap.json'), 'utf8'),
    ) as Msg;
    assert.deepEqual(y.data, want.data);
    assert.deepEqual(y.binaryData, want.binaryData);
    assert.equal((y.metadata as Record<string, unknown>).uid, 'uidValue');
  });

  test('values kapi writes to etcd decode with plain protobufjs to what was sent', async () => {
    const raw = await kv.get('/registry/configmaps/default/wire').buffer();
    assert.ok(raw);
    const stored = unwrap(raw, ConfigMap);
    assert.deepEqual(stored.typeMeta, { apiVersion: 'v1', kind: 'ConfigMap' });
    assert.equal(stored.message.metadata?.name, 'wire');
    assert.ok(!stored.message.metadata?.resourceVersion, 'resourceVersion is not stored');
  });
});
