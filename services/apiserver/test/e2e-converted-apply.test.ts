import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { decodeUnknown } from '../src/codec/envelope';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../src/codec/protobuf';
import { loadSchemaSet } from '../src/schema/load';
import { ApiClient, type ClientResponse } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// Server-side apply, strategic merge patch and protobuf in the versions kapi serves
// through conversion: autoscaling/v1 HPAs (stored as autoscaling/v2) and events.k8s.io/v1
// Events (stored as core/v1). Field ownership is recorded in the version the request
// used, list merge keys are the served version's, conflicts are upstream's 409, and the
// stored object stays in the storage version.

const PB = 'application/vnd.kubernetes.protobuf';
const APPLY = 'application/apply-patch+yaml';
const SMP = 'application/strategic-merge-patch+json';
const NS = 'conv-apply';
const schemas = loadSchemaSet();

type Json = Record<string, unknown>;
interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Json;
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; managedFields?: ManagedEntry[]; ownerReferences?: Json[] };
  spec?: Json;
  note?: string;
}

const HPA_V1 = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`;
const HPA_V2 = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const EVENTS_V1 = `/apis/events.k8s.io/v1/namespaces/${NS}/events`;
const CORE_EVENTS = `/api/v1/namespaces/${NS}/events`;

function hpaV1(name: string, maxReplicas: number): Json {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas,
      targetCPUUtilizationPercentage: 60,
    },
  };
}

function eventV1(name: string, note: string): Json {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name },
    eventTime: '2026-01-01T00:00:00.000001Z',
    reportingController: 'example.com/conv',
    reportingInstance: 'conv-1',
    action: 'Started',
    reason: 'Started',
    type: 'Normal',
    note,
    regarding: { kind: 'Pod', namespace: NS, name: 'p' },
  };
}

function entry(obj: Obj, manager: string): ManagedEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager);
}

function ok(res: ClientResponse, code: number): Obj {
  assert.equal(res.status, code, res.body.toString());
  return res.json<Obj>();
}

describe('apply, strategic merge patch and protobuf in converted versions', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let kv: Etcd3;
  const owners: Json[] = [];

  const apply = (url: string, body: Json, manager: string, force = false): Promise<ClientResponse> =>
    c.request('PATCH', `${url}?fieldManager=${manager}${force ? '&force=true' : ''}`, JSON.stringify(body), {
      'content-type': APPLY,
    });
  const smp = (url: string, body: Json, manager: string): Promise<ClientResponse> =>
    c.request('PATCH', `${url}?fieldManager=${manager}`, JSON.stringify(body), { 'content-type': SMP });
  const storedTypeMeta = async (key: string): Promise<[string, string]> => {
    const value = await kv.get(key).buffer();
    assert.ok(value, `stored at ${key}`);
    const env = decodeUnknown(value);
    return [env.apiVersion, env.kind];
  };

  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    c = new ApiClient(replica.kubeconfig);
    kv = new Etcd3({ hosts: etcd.endpoint });
    ok(await c.request('POST', '/api/v1/namespaces', { metadata: { name: NS } }), 201);
    // live owners, so the garbage collector leaves the dependents' references alone
    for (const name of ['owner-a', 'owner-b']) {
      const cm = ok(await c.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name } }), 201);
      owners.push({ apiVersion: 'v1', kind: 'ConfigMap', name, uid: cm.metadata.uid });
    }
  });

  after(async () => {
    c?.close();
    kv?.close();
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('autoscaling/v1: apply creates and updates, ownership recorded in autoscaling/v1, stored as v2', async () => {
    const created = ok(await apply(`${HPA_V1}/web`, hpaV1('web', 5), 'mgr-a'), 201);
    assert.equal(created.apiVersion, 'autoscaling/v1');
    const a = entry(created, 'mgr-a');
    assert.equal(a?.operation, 'Apply');
    assert.equal(a?.apiVersion, 'autoscaling/v1');
    assert.deepEqual(a?.fieldsV1, {
      'f:spec': {
        'f:maxReplicas': {},
        // CrossVersionObjectReference is an atomic struct: owned whole
        'f:scaleTargetRef': {},
        'f:targetCPUUtilizationPercentage': {},
      },
    });
    assert.deepEqual(await storedTypeMeta(`/registry/horizontalpodautoscalers/${NS}/web`), [
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
    ]);

    const updated = ok(await apply(`${HPA_V1}/web`, hpaV1('web', 6), 'mgr-a'), 200);
    assert.equal(updated.spec?.maxReplicas, 6);
    assert.equal(updated.metadata.managedFields?.length, 1);
    // the v2 view shows the same entry, still in the version it was made in
    const inV2 = ok(await c.request('GET', `${HPA_V2}/web`), 200);
    assert.equal(entry(inV2, 'mgr-a')?.apiVersion, 'autoscaling/v1');
  });

  test('autoscaling/v1: a second manager changing the field gets 409 Conflict, then takes it with force', async () => {
    const res = await apply(`${HPA_V1}/web`, hpaV1('web', 7), 'mgr-b');
    assert.equal(res.status, 409, res.body.toString());
    const status = res.json<{ kind: string; reason: string; message: string; details: { causes: Json[] } }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "mgr-a": .spec.maxReplicas');
    assert.deepEqual(status.details.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "mgr-a"', field: '.spec.maxReplicas' },
    ]);
    const forced = ok(await apply(`${HPA_V1}/web`, hpaV1('web', 7), 'mgr-b', true), 200);
    assert.equal(forced.spec?.maxReplicas, 7);
    assert.ok(JSON.stringify(entry(forced, 'mgr-b')?.fieldsV1).includes('f:maxReplicas'));
    assert.ok(!JSON.stringify(entry(forced, 'mgr-a')?.fieldsV1).includes('f:maxReplicas'));
  });

  test('autoscaling/v1: strategic merge patch merges ownerReferences by uid, recorded as an Update in v1', async () => {
    ok(await smp(`${HPA_V1}/web`, { metadata: { ownerReferences: [owners[0]] } }, 'patcher'), 200);
    const both = ok(await smp(`${HPA_V1}/web`, { metadata: { ownerReferences: [owners[1]] } }, 'patcher'), 200);
    assert.deepEqual(
      both.metadata.ownerReferences?.map((r) => r.name),
      // merged by uid, not replaced; without $setElementOrder the patch's elements come first
      ['owner-b', 'owner-a'],
    );
    const p = entry(both, 'patcher');
    assert.equal(p?.operation, 'Update');
    assert.equal(p?.apiVersion, 'autoscaling/v1');
    const patched = ok(await smp(`${HPA_V1}/web`, { spec: { maxReplicas: 9 } }, 'patcher'), 200);
    assert.equal(patched.spec?.maxReplicas, 9);
    // the v2-only data carried in v1's annotations is not lost by a v1 patch
    const inV2 = ok(await c.request('GET', `${HPA_V2}/web`), 200);
    assert.equal((inV2.spec as { maxReplicas: number }).maxReplicas, 9);
    assert.deepEqual((inV2.spec as { metrics: Json[] }).metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ]);
  });

  test('autoscaling/v1 in protobuf: create, get and update with the v1 envelope', async () => {
    const body = Buffer.from(encodeObjectProtobuf(schemas, hpaV1('pb', 3)));
    const created = await c.request('POST', HPA_V1, body, { 'content-type': PB, accept: PB });
    assert.equal(created.status, 201, created.body.toString());
    const env = decodeUnknown(created.body);
    assert.deepEqual([env.apiVersion, env.kind], ['autoscaling/v1', 'HorizontalPodAutoscaler']);
    const got = await c.request('GET', `${HPA_V1}/pb`, undefined, { accept: PB });
    const obj = decodeObjectProtobuf(schemas, got.body) as unknown as Obj;
    assert.equal(obj.spec?.targetCPUUtilizationPercentage, 60);
    const asJson = ok(await c.request('GET', `${HPA_V1}/pb`), 200);
    assert.deepEqual(obj, asJson, 'protobuf and JSON reads agree');
    (obj.spec as Json).maxReplicas = 4;
    const put = await c.request('PUT', `${HPA_V1}/pb`, Buffer.from(encodeObjectProtobuf(schemas, obj as never)), {
      'content-type': PB,
      accept: PB,
    });
    assert.equal(put.status, 200, put.body.toString());
    assert.equal((decodeObjectProtobuf(schemas, put.body).spec as Json).maxReplicas, 4);
    assert.deepEqual(await storedTypeMeta(`/registry/horizontalpodautoscalers/${NS}/pb`), [
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
    ]);
  });

  test('events.k8s.io/v1: apply creates and updates, ownership in events.k8s.io/v1, stored as core/v1', async () => {
    const created = ok(await apply(`${EVENTS_V1}/ev`, eventV1('ev', 'first'), 'mgr-a'), 201);
    assert.equal(created.apiVersion, 'events.k8s.io/v1');
    const a = entry(created, 'mgr-a');
    assert.equal(a?.operation, 'Apply');
    assert.equal(a?.apiVersion, 'events.k8s.io/v1');
    assert.ok(JSON.stringify(a?.fieldsV1).includes('"f:note"'), 'the served version names the field note');
    assert.deepEqual(await storedTypeMeta(`/registry/events/${NS}/ev`), ['v1', 'Event']);
    // an events.k8s.io/v1 event is immutable but for its series and metadata, as upstream
    const refused = await apply(`${EVENTS_V1}/ev`, eventV1('ev', 'second'), 'mgr-a');
    assert.equal(refused.status, 422, refused.body.toString());
    assert.match(refused.body.toString(), /message: Invalid value: \\"second\\": field is immutable/);
    const labelled = { ...eventV1('ev', 'first'), metadata: { name: 'ev', namespace: NS, labels: { seen: 'twice' } } };
    const updated = ok(await apply(`${EVENTS_V1}/ev`, labelled, 'mgr-a'), 200);
    assert.equal((updated.metadata as { labels?: Record<string, string> }).labels?.seen, 'twice');
    const core = ok(await c.request('GET', `${CORE_EVENTS}/ev`), 200);
    assert.equal((core as unknown as { message: string }).message, 'first');
    assert.equal(entry(core, 'mgr-a')?.apiVersion, 'events.k8s.io/v1');
  });

  test('events.k8s.io/v1: conflict between managers is 409, strategic merge patch merges by uid', async () => {
    const res = await apply(`${EVENTS_V1}/ev`, eventV1('ev', 'third'), 'mgr-b');
    assert.equal(res.status, 409, res.body.toString());
    const status = res.json<{ reason: string; message: string }>();
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "mgr-a": .note');
    ok(await smp(`${EVENTS_V1}/ev`, { metadata: { ownerReferences: [owners[0]] } }, 'patcher'), 200);
    const both = ok(await smp(`${EVENTS_V1}/ev`, { metadata: { ownerReferences: [owners[1]] } }, 'patcher'), 200);
    assert.deepEqual(
      both.metadata.ownerReferences?.map((r) => r.name),
      // merged by uid, not replaced; without $setElementOrder the patch's elements come first
      ['owner-b', 'owner-a'],
    );
    assert.equal(entry(both, 'patcher')?.apiVersion, 'events.k8s.io/v1');
    const noted = await smp(`${EVENTS_V1}/ev`, { note: 'patched' }, 'patcher');
    assert.equal(noted.status, 422, 'the note of an events.k8s.io/v1 event is immutable');
  });

  test('events.k8s.io/v1 in protobuf: create and get with the events.k8s.io envelope', async () => {
    const body = Buffer.from(encodeObjectProtobuf(schemas, eventV1('pb', 'in protobuf')));
    const created = await c.request('POST', EVENTS_V1, body, { 'content-type': PB, accept: PB });
    assert.equal(created.status, 201, created.body.toString());
    const env = decodeUnknown(created.body);
    assert.deepEqual([env.apiVersion, env.kind], ['events.k8s.io/v1', 'Event']);
    const got = await c.request('GET', `${EVENTS_V1}/pb`, undefined, { accept: PB });
    const obj = decodeObjectProtobuf(schemas, got.body);
    assert.deepEqual(obj, ok(await c.request('GET', `${EVENTS_V1}/pb`), 200), 'protobuf and JSON reads agree');
    assert.equal(obj.note, 'in protobuf');
    assert.deepEqual(await storedTypeMeta(`/registry/events/${NS}/pb`), ['v1', 'Event']);
  });
});
