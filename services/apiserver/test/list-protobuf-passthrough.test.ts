import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { encodeMessage } from '../src/codec/protobuf';
import { listProtobufChunks } from '../src/endpoints/list-stream';
import { listProtobuf } from '../src/endpoints/object-encoder';
import { loadSchemaSet } from '../src/schema/load';
import { createCacheItemCodec, type CacheItemCodec } from '../src/storage/cache-item-codec';
import { createCacher, type Cacher } from '../src/storage/cacher';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { mapLazyItems, type LazyItems } from '../src/storage/interface';
import { createProtobufStorageCodec } from '../src/storage/protobuf-codec';

const schemas = loadSchemaSet();
const CM = 'k8s.io.api.core.v1.ConfigMap';
const TM = { apiVersion: 'v1', kind: 'ConfigMapList' };
const PREFIX = '/registry/configmaps/';

function configMap(name: string, i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { n: String(i % 3) } },
    data: { i: String(i), text: 'é'.repeat(i) },
  };
}

/** The same items, counting how many were read (decoded) through at(). */
function counting(items: LazyItems): { items: LazyItems; reads: () => number } {
  let n = 0;
  const at = (i: number): KubeObject | undefined => {
    n++;
    return items.at(i);
  };
  const protobufAt = items.protobufAt?.bind(items);
  return {
    items: protobufAt ? { length: items.length, at, protobufAt } : { length: items.length, at },
    reads: () => n,
  };
}

describe('protobuf lists copy the watch cache’s packed bytes', () => {
  let dataDir: string;
  let opened: OpenedStorage;
  let cacher: Cacher;
  const inner = createCacheItemCodec(schemas);
  let unpacked = 0;
  // the cache's codec, counting the objects it decodes
  const itemCodec: CacheItemCodec = {
    pack: (o) => inner.pack(o),
    unpack: (p) => {
      unpacked++;
      return inner.unpack(p);
    },
    labelsOf: inner.labelsOf,
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kapi-pb-passthrough-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir, compactionIntervalMs: 0 },
      createProtobufStorageCodec(schemas),
    );
    for (let i = 0; i < 40; i++) await opened.storage.create(`${PREFIX}default/cm-${i}`, configMap(`cm-${i}`, i));
    cacher = createCacher(opened.storage, {
      prefixes: [PREFIX],
      backend: opened.backend,
      itemCodec,
    });
    await cacher.ready();
  });

  after(async () => {
    cacher.stop();
    await opened.storage.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function listed(
    predicate?: (o: KubeObject) => boolean,
    labelPredicate?: (labels: Readonly<Record<string, string>> | undefined) => boolean,
  ): Promise<LazyItems> {
    assert.ok(cacher.listLazy);
    const r = await cacher.listLazy(PREFIX, { recursive: true, resourceVersion: '0', predicate, labelPredicate });
    return r.items;
  }

  test('each item’s bytes are its message, as encoding the decoded item gives; another message gets none', async () => {
    const items = await listed();
    assert.equal(items.length, 40);
    assert.ok(items.protobufAt, 'the cache offers its packed bytes');
    for (let i = 0; i < items.length; i++) {
      const obj = items.at(i);
      assert.ok(obj);
      assert.deepEqual(Buffer.from(items.protobufAt(i, CM) ?? []), Buffer.from(encodeMessage(schemas, CM, obj)));
      assert.equal(items.protobufAt(i, 'k8s.io.api.core.v1.Secret'), undefined);
    }
  });

  test('a protobuf list is the same body, written without decoding a single item', async () => {
    const all = await listed();
    const decoded = Array.from({ length: all.length }, (_, i) => all.at(i) as KubeObject);
    const expected = listProtobuf(schemas, CM, decoded, TM, { resourceVersion: '9' });
    for (const keep of [undefined, 0]) {
      const c = counting(await listed());
      const body = Buffer.concat([...listProtobufChunks(schemas, CM, c.items, TM, { resourceVersion: '9' }, keep)]);
      assert.ok(body.equals(expected), `same bytes (keep ${String(keep)})`);
      assert.equal(c.reads(), 0, 'no item decoded to be written');
    }
  });

  test('a filtered list passes its bytes through too', async () => {
    const c = counting(await listed((o) => o.metadata?.labels?.n === '1'));
    assert.equal(c.items.length, 13);
    const body = Buffer.concat([...listProtobufChunks(schemas, CM, c.items, TM, { resourceVersion: '9' })]);
    const decoded = Array.from({ length: c.items.length }, (_, i) => c.items.at(i) as KubeObject);
    assert.ok(body.equals(listProtobuf(schemas, CM, decoded, TM, { resourceVersion: '9' })));
  });

  test('a view that changes items drops the bytes; one that only sets TypeMeta keeps them', async () => {
    const items = await listed();
    const relabelled = mapLazyItems(items, (o) => ({ ...o, metadata: { ...o.metadata, labels: { changed: 'yes' } } }));
    assert.equal(relabelled.protobufAt, undefined);
    const c = counting(relabelled);
    const body = Buffer.concat([...listProtobufChunks(schemas, CM, c.items, TM, { resourceVersion: '9' })]);
    assert.equal(c.reads(), 40, 'every item encoded from the changed object');
    assert.ok(body.includes(Buffer.from('changed')), 'the change is what is written');
    const typed = mapLazyItems(items, (o) => ({ apiVersion: 'v1', kind: 'ConfigMap', ...o }), true);
    assert.ok(typed.protobufAt, 'a TypeMeta-only view keeps the stored bytes');
  });

  test('a label selector is tested on labels read from the bytes: a protobuf list then decodes nothing', async () => {
    const byLabel = (labels: Readonly<Record<string, string>> | undefined): boolean => labels?.n === '2';
    const pred = (o: KubeObject): boolean => byLabel(o.metadata?.labels);
    // a cache of its own, with nothing decoded yet
    const fresh = createCacher(opened.storage, { prefixes: [PREFIX], backend: opened.backend, itemCodec });
    try {
      await fresh.ready();
      assert.ok(fresh.listLazy);
      unpacked = 0;
      const r = await fresh.listLazy(PREFIX, {
        recursive: true,
        resourceVersion: '0',
        predicate: pred,
        labelPredicate: byLabel,
      });
      const c = counting(r.items);
      const body = Buffer.concat([...listProtobufChunks(schemas, CM, c.items, TM, { resourceVersion: '9' })]);
      assert.equal(unpacked, 0, 'no object decoded to test or to write it');
      assert.equal(c.reads(), 0);

      const expected = await listed(pred);
      const decoded = Array.from({ length: c.items.length }, (_, i) => c.items.at(i) as KubeObject);
      assert.equal(decoded.length, 13);
      assert.deepEqual(
        decoded.map((o) => o.metadata?.name),
        Array.from({ length: expected.length }, (_, i) => expected.at(i)?.metadata?.name),
        'the same items as the full predicate selects',
      );
      assert.ok(body.equals(listProtobuf(schemas, CM, decoded, TM, { resourceVersion: '9' })));
    } finally {
      fresh.stop();
    }
  });

  test('without the label form, a selector decodes the items it tests', async () => {
    const fresh = createCacher(opened.storage, { prefixes: [PREFIX], backend: opened.backend, itemCodec });
    try {
      await fresh.ready();
      assert.ok(fresh.listLazy);
      unpacked = 0;
      await fresh.listLazy(PREFIX, {
        recursive: true,
        resourceVersion: '0',
        predicate: (o) => o.metadata?.labels?.n === '2',
      });
      assert.equal(unpacked, 40);
    } finally {
      fresh.stop();
    }
  });
});
