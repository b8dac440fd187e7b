import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { listParams } from '../src/endpoints/list-options';
import { tokenreviews } from '../src/registry/kinds/authentication.k8s.io/tokenreviews';
import { secrets } from '../src/registry/kinds/core/secrets';
import type { GenericStore } from '../src/registry/generic-store';
import { makeStore } from '../src/registry/store-factory';
import { newSecurityServices } from '../src/registry/security';
import { createCacher, type Cacher, type CacheIndexers } from '../src/storage/cacher';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { EventReader } from './helpers/watch-events';

const WIDGETS = '/registry/widgets/';
const COLORS = ['red', 'green', 'blue', 'cyan', 'plum'];
const byColor: CacheIndexers = { 'spec.color': (o) => String((o.spec as { color?: string } | undefined)?.color ?? '') };

function widget(name: string, color: string, ns = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Widget', metadata: { name, namespace: ns, uid: `u-${name}` }, spec: { color } };
}

const colorOf = (o: KubeObject): string => String((o.spec as { color?: string }).color);
const names = (items: KubeObject[]): string[] => items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`);

describe('watch cache field index', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-field-index-'));
  let opened: OpenedStorage;
  let cacher: Cacher;

  before(async () => {
    opened = await openStorage({ backend: 'embedded', dataDir: dir }, jsonStorageCodec);
    for (let i = 0; i < 500; i++) {
      const ns = i % 2 === 0 ? 'a' : 'b';
      await opened.storage.create(
        `${WIDGETS}${ns}/w-${String(i).padStart(3, '0')}`,
        widget(`w-${i}`, COLORS[i % 5], ns),
      );
    }
    cacher = createCacher(opened.storage, { prefixes: [], backend: opened.backend });
    cacher.forResource(WIDGETS, { indexers: byColor });
    await cacher.ready();
  });
  after(async () => {
    cacher?.stop();
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stats = () => cacher.forResource(WIDGETS).stats();

  test('a list requiring an indexed value reads only that bucket, and equals a scan', async () => {
    for (const prefix of [WIDGETS, `${WIDGETS}a/`]) {
      let calls = 0;
      const predicate = (o: KubeObject): boolean => {
        calls++;
        return colorOf(o) === 'red';
      };
      const before = stats();
      const indexed = await cacher.list(prefix, {
        resourceVersion: '0',
        predicate,
        indexHint: { fields: { 'spec.color': 'red' } },
      });
      const after = stats();
      const scanned = await cacher.list(prefix, { resourceVersion: '0', predicate: (o) => colorOf(o) === 'red' });
      assert.deepEqual(names(indexed.items), names(scanned.items), prefix);
      assert.ok(indexed.items.length > 0);
      assert.equal(calls, indexed.items.length, 'the predicate ran on the bucket only');
      assert.equal(after.indexedLists, before.indexedLists + 1);
      assert.equal(after.fetchedObjects - before.fetchedObjects, indexed.items.length);
    }
    // a consistent read too, and a value nobody has
    const none = await cacher.list(WIDGETS, {
      indexHint: { fields: { 'spec.color': 'mauve' } },
      predicate: () => true,
    });
    assert.deepEqual(none.items, []);
    // fields that are not indexed do not narrow anything
    const all = await cacher.list(WIDGETS, { resourceVersion: '0', indexHint: { fields: { 'metadata.name': 'w-1' } } });
    assert.equal(all.items.length, 500);
  });

  test('the index follows writes: a changed value moves the object between buckets', async () => {
    const key = `${WIDGETS}a/w-000`;
    const list = async (color: string) =>
      names(
        (
          await cacher.list(WIDGETS, {
            predicate: (o) => colorOf(o) === color,
            indexHint: { fields: { 'spec.color': color } },
          })
        ).items,
      );
    assert.ok((await list('red')).includes('a/w-0'));
    await opened.storage.guaranteedUpdate(key, undefined, (cur) => ({ ...cur, spec: { color: 'green' } }));
    assert.ok(!(await list('red')).includes('a/w-0'));
    assert.ok((await list('green')).includes('a/w-0'));
    await opened.storage.delete(key);
    assert.ok(!(await list('green')).includes('a/w-0'));
    await opened.storage.create(key, widget('w-0', 'red', 'a'));
    assert.ok((await list('red')).includes('a/w-0'));
  });

  test('a watcher requiring an indexed value is offered only events of objects that have or had it', async () => {
    const rev = String(await opened.storage.currentRevision());
    let calls = 0;
    const filed = await cacher.watch(WIDGETS, {
      resourceVersion: rev,
      predicate: (o) => {
        calls++;
        return colorOf(o) === 'plum';
      },
      indexHint: { fields: { 'spec.color': 'plum' } },
    });
    let unfiledCalls = 0;
    const unfiled = await cacher.watch(WIDGETS, {
      resourceVersion: rev,
      predicate: (o) => {
        unfiledCalls++;
        return colorOf(o) === 'plum';
      },
    });
    assert.equal(stats().indexedWatchers, 1);
    for (let i = 0; i < 20; i++) await opened.storage.create(`${WIDGETS}c/o-${i}`, widget(`o-${i}`, 'red', 'c'));
    const k = `${WIDGETS}c/moving`;
    await opened.storage.create(k, widget('moving', 'plum', 'c'));
    await opened.storage.guaranteedUpdate(k, undefined, (cur) => ({ ...cur, spec: { color: 'red' } }));
    await opened.storage.guaranteedUpdate(k, undefined, (cur) => ({ ...cur, spec: { color: 'plum' } }));
    await opened.storage.guaranteedUpdate(k, undefined, (cur) => ({
      ...cur,
      metadata: { ...cur.metadata, labels: { x: 'y' } },
    }));
    await opened.storage.delete(k);
    const expected = ['ADDED', 'DELETED', 'ADDED', 'MODIFIED', 'DELETED'];
    const filedEvents = await new EventReader(filed).take(5);
    const unfiledEvents = await new EventReader(unfiled).take(5);
    assert.deepEqual(
      filedEvents.map((e) => e.type),
      expected,
    );
    assert.deepEqual(
      unfiledEvents.map((e) => e.type),
      expected,
    );
    assert.ok(filedEvents.every((e) => e.object.metadata?.name === 'moving'));
    // moving out reads as a deletion of the last matching state
    assert.equal(colorOf(filedEvents[1].object), 'plum');
    // the unfiled watcher judged all 20 unrelated creations; the filed one none of them
    assert.ok(unfiledCalls >= 20 + 5, `unfiled predicate calls: ${unfiledCalls}`);
    assert.ok(calls <= 9, `filed predicate calls: ${calls}`);
    filed.stop();
    unfiled.stop();
    assert.equal(stats().indexedWatchers, 0);
    assert.equal(stats().watchers, 0);
  });

  test('a filed watch resuming from the ring and one with initial events see the same selection', async () => {
    const start = String(await opened.storage.currentRevision());
    await opened.storage.create(`${WIDGETS}d/p1`, widget('p1', 'plum', 'd'));
    await opened.storage.create(`${WIDGETS}d/r1`, widget('r1', 'red', 'd'));
    const hint = { fields: { 'spec.color': 'plum' } };
    const resumed = await cacher.watch(`${WIDGETS}d/`, {
      resourceVersion: start,
      predicate: (o) => colorOf(o) === 'plum',
      indexHint: hint,
    });
    const [ev] = await new EventReader(resumed).take(1);
    assert.equal(ev.object.metadata?.name, 'p1');
    resumed.stop();
    const initial = await cacher.watch(`${WIDGETS}d/`, {
      sendInitialEvents: true,
      predicate: (o) => colorOf(o) === 'plum',
      indexHint: hint,
    });
    const evs = await new EventReader(initial).take(2);
    assert.deepEqual(
      evs.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'p1'],
        ['BOOKMARK', undefined],
      ],
    );
    initial.stop();
  });

  test('indexers added to a cache that holds objects index them', async () => {
    const p = '/registry/gadgets/';
    for (let i = 0; i < 40; i++) await opened.storage.create(`${p}g/x-${i}`, widget(`x-${i}`, COLORS[i % 5], 'g'));
    const gadgets = cacher.forResource(p);
    await gadgets.ready();
    assert.deepEqual(gadgets.stats().indexedFields, []);
    cacher.forResource(p, { indexers: byColor });
    assert.deepEqual(gadgets.stats().indexedFields, ['spec.color']);
    const res = await cacher.list(p, {
      resourceVersion: '0',
      indexHint: { fields: { 'spec.color': 'blue' } },
      predicate: (o) => colorOf(o) === 'blue',
    });
    assert.equal(res.items.length, 8);
    assert.equal(gadgets.stats().indexedLists, 1);
    assert.equal(gadgets.stats().fetchedObjects, 8);
  });
});

describe('field index declared by a kind (store factory wiring)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-kind-index-'));
  let opened: OpenedStorage;
  let cacher: Cacher;
  let store: GenericStore;

  before(async () => {
    opened = await openStorage({ backend: 'embedded', dataDir: dir }, jsonStorageCodec);
    cacher = createCacher(opened.storage, { prefixes: [], backend: opened.backend });
    // secrets, declared here as indexed by type: the mechanism pods use for spec.nodeName
    store = makeStore(
      { ...secrets, watchCacheIndexes: ['type'] },
      {
        storage: cacher,
        backend: opened.backend,
        prefix: '/registry',
        serviceClusterIPRange: '10.96.0.0/12',
        serviceNodePortRange: '30000-32767',
        security: newSecurityServices(),
        watchCache: cacher,
      },
    );
    for (let i = 0; i < 60; i++) {
      const type = i % 3 === 0 ? 'kubernetes.io/tls' : 'Opaque';
      const data = type === 'Opaque' ? { k: 'dg==' } : { 'tls.crt': 'Yw==', 'tls.key': 'aw==' };
      await store.create('default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}` }, type, data });
    }
    await cacher.ready();
  });
  after(async () => {
    cacher?.stop();
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const secretStats = () => {
    const s = cacher.stats().find((x) => x.prefix === '/registry/secrets/');
    assert.ok(s, 'the store factory registered the secrets cacher');
    return s;
  };

  test('the store factory gives the resource cacher the kind’s index; stores that keep nothing get no cacher', () => {
    assert.deepEqual(secretStats().indexedFields, ['type']);
    const before = cacher.stats().length;
    const reviews = makeStore(tokenreviews, {
      storage: cacher,
      backend: opened.backend,
      prefix: '/registry',
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      watchCache: cacher,
    });
    assert.ok(reviews.virtual);
    assert.equal(cacher.stats().length, before);
  });

  test('a list with fieldSelector type=… reads through the index, as the endpoint parses it', async () => {
    const before = secretStats();
    const list = await store.list(
      'default',
      listParams(store, new URLSearchParams('fieldSelector=type=kubernetes.io/tls')),
    );
    const items = list.items as KubeObject[];
    assert.equal(items.length, 20);
    assert.ok(items.every((s) => s.type === 'kubernetes.io/tls'));
    const after = secretStats();
    assert.equal(after.indexedLists, before.indexedLists + 1);
    assert.equal(after.fetchedObjects - before.fetchedObjects, 20);
    // a selector that also excludes: the index narrows, the predicate decides
    const mixed = await store.list(
      '',
      listParams(store, new URLSearchParams('fieldSelector=type=Opaque,metadata.name!=s-1')),
    );
    assert.equal((mixed.items as KubeObject[]).length, 39);
    // an inequality alone cannot use the index
    const scanned = await store.list('', listParams(store, new URLSearchParams('fieldSelector=type!=Opaque')));
    assert.equal((scanned.items as KubeObject[]).length, 20);
    assert.equal(secretStats().indexedLists, after.indexedLists + 1);
  });

  test('a watch with fieldSelector type=… is filed under the index and gets only its events', async () => {
    const rv = String(await opened.storage.currentRevision());
    const w = await store.watch('default', '', {
      ...listParams(store, new URLSearchParams('fieldSelector=type=kubernetes.io/tls'), true),
      resourceVersion: rv,
    });
    assert.equal(secretStats().indexedWatchers, 1);
    await store.create('default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, type: 'Opaque' });
    await store.create('default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cert' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Yw==', 'tls.key': 'aw==' },
    });
    const [ev] = await new EventReader(w).take(1);
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.metadata?.name, 'cert');
    w.stop();
  });

  test('bad input on an indexed field: odd values find nothing, a bad resourceVersion is a 400-class Status', async () => {
    for (const sel of ['type=a\u0000b', 'type=', 'type==x=y', 'type=Opaque\u0000']) {
      const l = await store.list('', listParams(store, new URLSearchParams({ fieldSelector: sel })));
      assert.ok(Array.isArray(l.items), sel);
      assert.ok(
        (l.items as KubeObject[]).every((s) => `type=${String(s.type)}` === sel),
        sel,
      );
    }
    assert.throws(
      () => listParams(store, new URLSearchParams({ fieldSelector: 'type=x', resourceVersion: 'abc' })),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest',
    );
    assert.throws(
      () => listParams(store, new URLSearchParams({ fieldSelector: 'spec.nodeName=n1' })),
      (e: unknown) => e instanceof StatusError && e.code === 400,
      'a field the kind does not select on is refused before any index is consulted',
    );
  });
});
