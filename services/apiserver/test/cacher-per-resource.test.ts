import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { createCacher, type Cacher, type CacherOptions } from '../src/storage/cacher';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import type { Storage, StorageWatchEvent, Watcher } from '../src/storage/interface';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { EventReader } from './helpers/watch-events';

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: `uid-${name}` }, data };
}

const freshPrefix = (label: string): string => `/registry/${label}-${randomUUID().slice(0, 8)}/`;

/**
 * An inner Storage whose watches of one prefix can be held (never answered, as
 * a slow or partitioned etcd range) or failed (ERROR 410, as a compacted watch).
 */
function withTroubleFor(s: Storage, prefix: string): { storage: Storage; fail(): void } {
  let failers: (() => void)[] = [];
  let held = true;
  const storage: Storage = {
    ...s,
    async watch(key, o) {
      if (!key.startsWith(prefix)) return s.watch(key, o);
      if (held) return new Promise<Watcher>(() => undefined);
      const w = await s.watch(key, o);
      const it = w[Symbol.asyncIterator]();
      const failed = new Promise<'fail'>((resolve) => failers.push(() => resolve('fail')));
      let done = false;
      return {
        stop: () => {
          done = true;
          w.stop();
        },
        [Symbol.asyncIterator]: () => ({
          next: async (): Promise<IteratorResult<StorageWatchEvent>> => {
            if (done) return { value: undefined, done: true };
            const r = await Promise.race([it.next(), failed]);
            if (r !== 'fail') return r;
            done = true;
            w.stop();
            const status = { kind: 'Status', code: 410, reason: 'Expired' };
            return { value: { type: 'ERROR', object: status, revision: 0 }, done: false };
          },
        }),
      };
    },
  };
  return {
    storage,
    fail: () => {
      held = false;
      for (const f of failers) f();
      failers = [];
    },
  };
}

describe('one watch cache per resource', () => {
  let etcd: RunningEtcd;
  let opened: OpenedStorage;
  const cachers: Cacher[] = [];

  before(async () => {
    etcd = await startEtcd();
    opened = await openStorage(
      { backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 },
      jsonStorageCodec,
    );
  });
  after(async () => {
    for (const c of cachers) c.stop();
    await opened?.storage.close();
    await etcd?.stop();
  });

  function cacher(inner: Storage, opts: Omit<CacherOptions, 'backend'>): Cacher {
    const c = createCacher(inner, { backend: opened.backend, ...opts });
    cachers.push(c);
    return c;
  }

  const statsOf = (c: Cacher, prefix: string) => {
    const s = c.stats().find((x) => x.prefix === prefix);
    assert.ok(s, `a cacher for ${prefix}`);
    return s;
  };

  test('a resource whose cache cannot start does not hold the others', async () => {
    const stuck = freshPrefix('stuck');
    const fine = freshPrefix('fine');
    await opened.storage.create(`${stuck}default/a`, configMap('a'));
    await opened.storage.create(`${fine}default/b`, configMap('b'));
    const trouble = withTroubleFor(opened.storage, stuck);
    const c = cacher(trouble.storage, { prefixes: [], startWaitMs: 300 });
    c.forResource(stuck);
    const fineCacher = c.forResource(fine);
    await fineCacher.ready();
    const t0 = Date.now();
    await c.ready(500);
    assert.ok(Date.now() - t0 < 2000, 'the bounded wait for every cache ends although one never starts');
    assert.equal(statsOf(c, stuck).state, 'starting');
    assert.equal(statsOf(c, fine).state, 'ready');

    // the ready resource serves a consistent list from memory at once
    const before = statsOf(c, fine).lists;
    const t1 = Date.now();
    const listed = await c.list(fine);
    assert.deepEqual(
      listed.items.map((i) => i.metadata?.name),
      ['b'],
    );
    assert.equal(statsOf(c, fine).lists, before + 1, 'served by the fine resource cache');
    assert.ok(Date.now() - t1 < 300, `not delayed by the stuck cache (${Date.now() - t1} ms)`);

    // the stuck one answers from etcd after its own bounded wait, correctly
    const stuckList = await c.list(stuck);
    assert.deepEqual(
      stuckList.items.map((i) => i.metadata?.name),
      ['a'],
    );
    assert.equal(statsOf(c, stuck).lists, 0, 'not served from the cache that has not started');
    const got = await c.get(`${stuck}default/a`);
    assert.equal(got?.metadata?.name, 'a');
  });

  test("one resource's re-list ends its own watchers only", async () => {
    const broken = freshPrefix('broken');
    const healthy = freshPrefix('healthy');
    const trouble = withTroubleFor(opened.storage, broken);
    trouble.fail(); // let its watches through: they fail when told to
    const c = cacher(trouble.storage, { prefixes: [broken, healthy], relistDelayMs: 50 });
    await c.ready();
    const rev = String(await opened.storage.currentRevision());
    const wBroken = await c.watch(broken, { resourceVersion: rev });
    const wHealthy = await c.watch(healthy, { resourceVersion: rev });
    trouble.fail();
    const [ended] = await new EventReader(wBroken).take(1);
    assert.equal(ended.type, 'ERROR');
    assert.equal(ended.object.code, 410);
    await opened.storage.create(`${healthy}default/h`, configMap('h'));
    const [ev] = await new EventReader(wHealthy).take(1);
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.metadata?.name, 'h');
    assert.equal(statsOf(c, healthy).watchers, 1, "the healthy resource's watcher is still open");
    wHealthy.stop();
  });

  test("a resource's watchers are not offered another resource's events", async () => {
    const busy = freshPrefix('busy');
    const calm = freshPrefix('calm');
    const c = cacher(opened.storage, { prefixes: [busy, calm] });
    await c.ready();
    let calls = 0;
    const w = await c.watch(calm, {
      resourceVersion: String(await opened.storage.currentRevision()),
      predicate: () => {
        calls++;
        return true;
      },
    });
    for (let i = 0; i < 30; i++) await opened.storage.create(`${busy}default/x-${i}`, configMap(`x-${i}`));
    // reading the busy resource through its cache proves the cache has applied those events
    const busyList = await c.list(busy);
    assert.equal(busyList.items.length, 30);
    const events = new EventReader(w);
    assert.deepEqual(await events.within(100), []);
    assert.equal(calls, 0, "the calm resource's watcher never saw the busy resource's events");
    await opened.storage.create(`${calm}default/y`, configMap('y'));
    const [ev] = await events.take(1);
    assert.equal(ev.object.metadata?.name, 'y');
    assert.equal(calls, 1);
    w.stop();
  });

  test('registering a resource again returns its cacher; the set routes keys by the longest prefix', async () => {
    const outer = freshPrefix('outer');
    const inner = `${outer}nested/`;
    const c = cacher(opened.storage, { prefixes: [] });
    const a = c.forResource(outer);
    assert.equal(c.forResource(outer.slice(0, -1)), a, 'the prefix with or without its slash is one resource');
    const b = c.forResource(inner);
    await c.ready();
    await opened.storage.create(`${inner}n1`, configMap('n1'));
    await opened.storage.create(`${outer}default/o1`, configMap('o1'));
    const nested = await c.list(inner);
    assert.deepEqual(
      nested.items.map((i) => i.metadata?.name),
      ['n1'],
    );
    assert.equal(b.stats().lists, 1);
    assert.equal(a.stats().lists, 0);
    // keys no resource caches go to etcd
    const other = freshPrefix('uncached');
    await opened.storage.create(`${other}default/z`, configMap('z'));
    assert.equal((await c.list(other)).items.length, 1);
    assert.equal(c.stats().length, 2);
  });
});
