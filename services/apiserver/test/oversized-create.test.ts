/**
 * The early storage-limit check of a create (registry/oversized-create.ts) must answer exactly as
 * the full create does: each case runs the same create twice on a real embedded store, with the
 * request body's size (the early check may answer) and without it (every stage runs), and
 * compares the outcomes: the same 413, 422 or 404 Status, or the same stored object.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { newNotFound, StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { GenericStore, NamespaceGate } from '../src/registry/generic-store';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import { copyJsonValue, EARLY_SIZE_CHECK_MIN_BODY_BYTES } from '../src/registry/oversized-create';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

const schemas = loadSchemaSet();
let dataDir: string;
let opened: OpenedStorage;
const missingNamespaces = new Set<string>();
/** How often the early check asked storage for a size verdict, and how often it said too large. */
const sizeChecks = { asked: 0, refused: 0 };

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-oversized-'));
  opened = await openStorage(
    { backend: 'embedded', dataDir },
    storageCodecFor('application/vnd.kubernetes.protobuf', schemas),
  );
});

after(async () => {
  await opened.storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const gate: NamespaceGate = (namespace) =>
  missingNamespaces.has(namespace)
    ? Promise.reject(newNotFound({ group: '', resource: 'namespaces' }, namespace))
    : Promise.resolve();

function storeFor(resource: string): GenericStore {
  const def = BUILTIN_KINDS.find((d) => d.info.group === '' && d.info.resource === resource);
  assert.ok(def, resource);
  const store = makeStore(def, {
    security: newSecurityServices(),
    storage: {
      ...opened.storage,
      sizeLimitError: (obj) => {
        sizeChecks.asked++;
        const err = opened.storage.sizeLimitError?.(obj);
        if (err) sizeChecks.refused++;
        return err;
      },
    },
    backend: opened.backend,
    prefix: opened.prefix,
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    namespaceGate: gate,
  });
  store.enableFieldManagement(schemas);
  return store;
}

function keys(n: number, value = ''): Record<string, string> {
  const data: Record<string, string> = {};
  for (let i = 0; i < n; i++) data[`k${i.toString(36)}`] = value;
  return data;
}

type Outcome = { status: { code: number; reason: string; message: string } } | { object: KubeObject };

/** Creates `obj` (a fresh copy each time), with or without the body size; the Status or the object. */
async function outcome(store: GenericStore, obj: KubeObject, early: boolean): Promise<Outcome> {
  const input = copyJsonValue(obj) as KubeObject;
  try {
    const object = await store.create(obj.metadata?.namespace ?? 'default', input, {
      manager: 'probe',
      bodyBytes: early ? EARLY_SIZE_CHECK_MIN_BODY_BYTES * 8 : undefined,
    });
    return { object };
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return { status: { code: e.code, reason: e.reason, message: e.message } };
  }
}

async function sameOutcome(resource: string, obj: KubeObject): Promise<Outcome> {
  const store = storeFor(resource);
  const early = await outcome(store, obj, true);
  const name = obj.metadata?.name ?? '';
  if ('object' in early) await store.delete(obj.metadata?.namespace ?? 'default', name, {});
  const full = await outcome(store, obj, false);
  if ('object' in full) await store.delete(obj.metadata?.namespace ?? 'default', name, {});
  assert.deepEqual(comparable(early), comparable(full));
  return full;
}

/** Drops what differs between two creates of the same object (uid, times, resourceVersion). */
function comparable(o: Outcome): unknown {
  if ('status' in o) return o;
  const copy = copyJsonValue(o.object) as KubeObject;
  const m = copy.metadata ?? {};
  delete m.uid;
  delete m.creationTimestamp;
  delete m.resourceVersion;
  for (const e of (m.managedFields ?? []) as Array<Record<string, unknown>>) delete e.time;
  return copy;
}

function configMap(name: string, data: Record<string, string>, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

test('a 200,000-key ConfigMap: the same 413 with and without the early check, and nothing stored', async () => {
  const refusedBefore = sizeChecks.refused;
  const out = await sameOutcome('configmaps', configMap('huge', keys(200_000)));
  assert.equal(sizeChecks.refused, refusedBefore + 1, 'the early check answered the first create');
  assert.ok('status' in out);
  assert.equal(out.status.code, 413);
  assert.equal(out.status.reason, 'RequestEntityTooLarge');
  assert.match(out.status.message, /^Request entity too large: .*storage limit of 1572864 bytes$/);
  await assert.rejects(storeFor('configmaps').get('default', 'huge'), (e: unknown) => (e as StatusError).code === 404);
});

test('too large and invalid: validation answers first (422), as without the early check', async () => {
  const out = await sameOutcome('configmaps', configMap('huge-invalid', { ...keys(200_000), 'bad key!': 'x' }));
  assert.ok('status' in out);
  assert.equal(out.status.code, 422);
  assert.equal(out.status.reason, 'Invalid');
});

test('too large in a missing namespace: the namespace check answers first (404)', async () => {
  missingNamespaces.add('gone');
  try {
    const out = await sameOutcome('configmaps', configMap('huge', keys(200_000), 'gone'));
    assert.ok('status' in out);
    assert.equal(out.status.code, 404);
    assert.equal(out.status.reason, 'NotFound');
  } finally {
    missingNamespaces.delete('gone');
  }
});

test('a big ConfigMap that fits: stored the same, managedFields included, input untouched by the check', async () => {
  const obj = configMap('big', keys(40_000, 'v'));
  const before = JSON.stringify(obj);
  const askedBefore = sizeChecks.asked;
  const out = await sameOutcome('configmaps', obj);
  assert.ok('object' in out);
  assert.equal(JSON.stringify(obj), before);
  assert.equal(sizeChecks.asked, askedBefore + 1, 'the early check ran once and let the create through');
  const entries = out.object.metadata?.managedFields as Array<Record<string, unknown>>;
  assert.equal(entries.length, 1);
  assert.equal(entries[0].manager, 'probe');
  assert.deepEqual(out.object.data, obj.data);
});

test('a Secret (its strategy prepares the object: stringData) too large: the same 413 either way', async () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'huge', namespace: 'default' },
    stringData: keys(150_000, 'x'),
  };
  const out = await sameOutcome('secrets', secret);
  assert.ok('status' in out);
  assert.equal(out.status.code, 413);
});

test('copyJsonValue keeps __proto__ an own key and shares nothing with its source', () => {
  const src = JSON.parse('{"a":{"__proto__":"x","b":[1,{"c":2}]}}') as Record<string, unknown>;
  const copy = copyJsonValue(src) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(copy.a), ['__proto__', 'b']);
  assert.equal(Object.getOwnPropertyDescriptor(copy.a, '__proto__')?.value, 'x');
  assert.notEqual(copy.a, src.a);
  assert.notEqual(copy.a.b, (src.a as Record<string, unknown>).b);
});
