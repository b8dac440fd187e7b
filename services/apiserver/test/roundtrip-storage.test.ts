import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { encodeObjectProtobuf } from '../src/codec/protobuf';
import type { KindDefinition } from '../src/registry/kind';
import { BUILTIN_KINDS } from '../src/registry/kinds/index';
import type { ResourceInfo } from '../src/registry/resources';
import { loadSchemaSet } from '../src/schema/load';
import { sharedFixturesDir } from '../src/schema/paths';
import { ApiClient, type ClientResponse } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { firstWatchEvent } from './helpers/first-watch-event';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import {
  envelopeWithResourceVersion,
  lengthDelimitedFields,
  objectWithResourceVersion,
  rawOfEnvelope,
  upstreamKey,
} from './helpers/upstream-storage';

// Every served resource, taken from the kind table so kinds added later are covered as
// soon as their fixture exists: the fixture's protobuf bytes are put into a real etcd at
// kube-apiserver's key, exactly as kube-apiserver would have stored them, and a real
// replica must serve them back as the fixture's JSON, YAML and protobuf (get, list and
// watch). Only resourceVersion differs (etcd's revision); it is normalised on both sides.

const PB = 'application/vnd.kubernetes.protobuf';
const schemas = loadSchemaSet();
const NAMESPACE = 'namespaceValue';
const NAME = 'nameValue';

interface Fixture {
  json: Record<string, unknown>;
  yaml: string;
  pb: Buffer;
}

function fixtureName(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): string {
  return `${info.group || 'core'}.${info.version}.${info.kind}`;
}

function loadFixture(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): Fixture | undefined {
  const base = path.join(sharedFixturesDir(), 'objects', fixtureName(info));
  if (!existsSync(`${base}.pb`)) return undefined;
  return {
    json: JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Record<string, unknown>,
    yaml: readFileSync(`${base}.yaml`, 'utf8'),
    pb: readFileSync(`${base}.pb`),
  };
}

function collectionPath(info: ResourceInfo): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return info.namespaced ? `${root}/namespaces/${NAMESPACE}/${info.resource}` : `${root}/${info.resource}`;
}

function withRv(json: Record<string, unknown>, rv: string): Record<string, unknown> {
  const copy = structuredClone(json);
  (copy.metadata as Record<string, unknown>).resourceVersion = rv;
  return copy;
}

function yamlWithRv(yaml: string, rv: string): string {
  // the object's own metadata block; references elsewhere (involvedObject) have one too
  const meta = yaml.indexOf('\nmetadata:\n');
  const line = '\n  resourceVersion: resourceVersionValue\n';
  const at = yaml.indexOf(line, meta);
  assert.ok(meta >= 0 && at > meta, 'the YAML fixture names its resourceVersion');
  return `${yaml.slice(0, at)}\n  resourceVersion: "${rv}"\n${yaml.slice(at + line.length)}`;
}

/**
 * kube-apiserver answers a PUT of a fixture with 422 Invalid: its placeholder values
 * fail each kind's update validation (names, enums, selectors), so nothing is written.
 */
function assertInvalid(res: ClientResponse, what: string): void {
  assert.equal(res.status, 422, `${what}: ${res.body.toString()}`);
  const status = res.json<{ kind: string; reason: string; details?: { causes?: unknown[] } }>();
  assert.equal(status.kind, 'Status', what);
  assert.equal(status.reason, 'Invalid', what);
  assert.ok((status.details?.causes ?? []).length > 0, `${what}: causes name the fields`);
}

/** Same text after parsing: member order and values must match, whitespace may differ. */
function canonicalJson(text: Buffer | string): string {
  return JSON.stringify(JSON.parse(text.toString()));
}

// Served in another version than stored: the stored fixture is the storage version's,
// which the table also serves, so those kinds are covered by the conversion tests instead.
// componentstatuses are read-only and never stored: a stored kind is created and read
const stored = BUILTIN_KINDS.filter(
  (k: KindDefinition) => !k.storedAs && k.info.verbs.includes('get') && k.info.verbs.includes('create'),
);

describe('every served kind reads its fixture from upstream-layout etcd, byte for byte', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let kv: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    // the quota controller (kube-controller-manager's, run here by the leader) would recount the fixture's status
    replica = await startReplicaProcess({
      args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`, '--controllers=*,-resourcequota'],
    });
    c = new ApiClient(replica.kubeconfig);
    kv = new Etcd3({ hosts: etcd.endpoint });
    // the fixtures' namespace exists (written as upstream would have it), so a write into it
    // gets past namespace lifecycle admission and meets validation, as with kube-apiserver
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, uid: 'rt-ns-uid' } };
    await kv.put(`/registry/namespaces/${NAMESPACE}`).value(Buffer.from(encodeObjectProtobuf(schemas, ns)));
  });

  after(async () => {
    c?.close();
    kv?.close();
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('the table has kinds with fixtures to check', () => {
    const withFixture = stored.filter((k) => loadFixture(k.info));
    assert.ok(withFixture.length >= 40, `only ${withFixture.length} kinds have fixtures`);
  });

  for (const def of stored) {
    const info = def.info;
    const fx = loadFixture(info);
    if (!fx) continue;
    test(`${fixtureName(info)} (${info.resource}) get, list and watch in JSON, YAML and protobuf`, async () => {
      const key = upstreamKey(info, NAMESPACE, NAME);
      await kv.put(key).value(fx.pb);
      const rv = String((await kv.get(key).exec()).kvs[0].mod_revision);
      const url = `${collectionPath(info)}/${NAME}`;

      const json = await c.request('GET', url, undefined, { accept: 'application/json' });
      assert.equal(json.status, 200, json.body.toString());
      assert.equal(canonicalJson(json.body), JSON.stringify(withRv(fx.json, rv)), 'JSON get');

      const yaml = await c.request('GET', url, undefined, { accept: 'application/yaml' });
      assert.equal(yaml.status, 200, yaml.body.toString());
      assert.equal(yaml.body.toString(), yamlWithRv(fx.yaml, rv), 'YAML get');

      const pb = await c.request('GET', url, undefined, { accept: PB });
      assert.equal(pb.status, 200, pb.body.toString());
      assert.equal(pb.body.toString('hex'), envelopeWithResourceVersion(fx.pb, rv).toString('hex'), 'protobuf get');

      const selector = `fieldSelector=${encodeURIComponent(`metadata.name=${NAME}`)}`;
      const listUrl = `${collectionPath(info)}?${selector}`;
      const jsonList = await c.request('GET', listUrl, undefined, { accept: 'application/json' });
      assert.equal(jsonList.status, 200, jsonList.body.toString());
      const items = (jsonList.json() as { items: unknown[] }).items;
      assert.equal(items.length, 1, 'one item listed');
      // typed lists carry their items without kind and apiVersion, as Go's omitempty TypeMeta does
      const { kind: _kind, apiVersion: _apiVersion, ...item } = withRv(fx.json, rv);
      assert.equal(JSON.stringify(items[0]), JSON.stringify(item), 'JSON list item');

      const pbList = await c.request('GET', listUrl, undefined, { accept: PB });
      assert.equal(pbList.status, 200, pbList.body.toString());
      const pbItems = lengthDelimitedFields(rawOfEnvelope(pbList.body), 2);
      assert.equal(pbItems.length, 1, 'one protobuf item listed');
      assert.equal(
        Buffer.from(pbItems[0]).toString('hex'),
        objectWithResourceVersion(rawOfEnvelope(fx.pb), rv).toString('hex'),
        'protobuf list item',
      );

      const watchUrl = `${listUrl}&watch=true&resourceVersion=0`;
      const jsonEvent = await firstWatchEvent(c, watchUrl, 'application/json');
      assert.equal(jsonEvent.type, 'ADDED');
      assert.equal(jsonEvent.object.toString(), JSON.stringify(withRv(fx.json, rv)), 'JSON watch event');
      const pbEvent = await firstWatchEvent(c, watchUrl, PB);
      assert.equal(pbEvent.type, 'ADDED');
      assert.equal(
        pbEvent.object.toString('hex'),
        envelopeWithResourceVersion(fx.pb, rv).toString('hex'),
        'protobuf watch event',
      );

      // what was read, written back unchanged in each encoding: rejected, the stored bytes untouched
      for (const [body, contentType] of [
        [json.body, 'application/json'],
        [yaml.body, 'application/yaml'],
        [pb.body, PB],
      ] as const) {
        const put = await c.request('PUT', url, body, { 'content-type': contentType, accept: 'application/json' });
        assertInvalid(put, `PUT ${contentType}`);
        const after = (await kv.get(key).exec()).kvs[0];
        assert.equal(String(after.mod_revision), rv, `PUT ${contentType} wrote nothing`);
        assert.equal(after.value.toString('hex'), fx.pb.toString('hex'), `PUT ${contentType} left the fixture's bytes`);
      }
    });
  }
});
