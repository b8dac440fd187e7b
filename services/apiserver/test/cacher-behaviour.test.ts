import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { createCacher, type Cacher, type CacherOptions } from '../src/storage/cacher';
import { jsonStorageCodec } from '../src/storage/codec';
import { isStorageError } from '../src/storage/errors';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import type { Storage, StorageWatchEvent, Watcher } from '../src/storage/interface';
import { startEtcd, type RunningEtcd } from './helpers/etcd';

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels ? { labels } : {}) },
    data,
  };
}

function freshPrefix(label: string): string {
  return `/registry/${label}-${randomUUID().slice(0, 8)}/`;
}

const rv = (o: KubeObject | null | undefined): number => Number(o?.metadata?.resourceVersion);

async function take(w: Watcher, n: number, timeoutMs = 5000): Promise<StorageWatchEvent[]> {
  const it = w[Symbol.asyncIterator]();
  const out: StorageWatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(deadline - Date.now(), 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') assert.fail(`got ${out.length} of ${n} events`);
    if (r.done) assert.fail(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Reads until the watch ends; fails if it does not end in time. */
async function drain(w: Watcher, timeoutMs = 5000): Promise<StorageWatchEvent[]> {
  const it = w[Symbol.asyncIterator]();
  const out: StorageWatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(deadline - Date.now(), 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') assert.fail(`watch did not end (${out.length} events read)`);
    if (r.done) return out;
    out.push(r.value);
  }
}

/** An inner Storage whose watches can be made to fail, as a compacted or broken etcd watch does. */
function withWatchFailure(s: Storage): { storage: Storage; failWatches(): void } {
  const failers = new Set<() => void>();
  const storage: Storage = {
    ...s,
    async watch(key, o) {
      const w = await s.watch(key, o);
      let fail!: () => void;
      const failed = new Promise<'fail'>((resolve) => {
        fail = () => resolve('fail');
      });
      failers.add(fail);
      const it = w[Symbol.asyncIterator]();
      let done = false;
      return {
        stop: () => {
          done = true;
          failers.delete(fail);
          w.stop();
        },
        [Symbol.asyncIterator]: () => ({
          next: async (): Promise<IteratorResult<StorageWatchEvent>> => {
            if (done) return { value: undefined, done: true };
            const r = await Promise.race([it.next(), failed]);
            if (r !== 'fail') return r;
            done = true;
            w.stop();
            return {
              value: { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' }, revision: 0 },
              done: false,
            };
          },
        }),
      };
    },
  };
  return { storage, failWatches: () => [...failers].forEach((f) => f()) };
}

describe('watch cache (cacher) over etcd', () => {
  let etcd: RunningEtcd;
  const opened: OpenedStorage[] = [];
  const cachers: Cacher[] = [];

  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const c of cachers) c.stop();
    for (const o of opened) await o.storage.close();
    await etcd.stop();
  });

  async function open(): Promise<OpenedStorage> {
    const o = await openStorage(
      { backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 },
      jsonStorageCodec,
    );
    opened.push(o);
    return o;
  }

  async function cacher(inner: Storage, opts: CacherOptions): Promise<Cacher> {
    const c = createCacher(inner, opts);
    cachers.push(c);
    await c.ready();
    return c;
  }

  test('objects are frozen and shared: every read returns the same instance', async () => {
    const a = await open();
    const p = freshPrefix('identity');
    for (const n of ['a', 'b', 'c']) await a.storage.create(`${p}default/${n}`, configMap(n, { v: '1' }));
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend });

    const g1 = await c.get(`${p}default/a`);
    const g2 = await c.get(`${p}default/a`);
    const g0 = await c.get(`${p}default/a`, { resourceVersion: '0' });
    assert.ok(g1);
    assert.equal(g1, g2, 'same instance for two consistent gets');
    assert.equal(g1, g0, 'and for resourceVersion "0"');
    const list = await c.list(p);
    const list0 = await c.list(p, { resourceVersion: '0', limit: 1 });
    assert.equal(list.items[0], g1);
    assert.equal(list0.items.length, 3, 'resourceVersion "0" lists ignore the limit, as upstream');
    assert.equal(list0.items[0], g1);

    assert.ok(Object.isFrozen(g1) && Object.isFrozen(g1.metadata) && Object.isFrozen(g1.data));
    assert.throws(() => {
      (g1.metadata as Record<string, unknown>).name = 'changed';
    }, TypeError);
    assert.throws(() => {
      (g1.data as Record<string, string>).v = '2';
    }, TypeError);

    // A change replaces the instance; the old one stays as it was.
    const w = await c.watch(p, { resourceVersion: String(list.revision) });
    await a.storage.guaranteedUpdate(`${p}default/a`, undefined, (cur) => ({ ...cur, data: { v: '2' } }));
    const g3 = await c.get(`${p}default/a`);
    assert.notEqual(g3, g1);
    assert.deepEqual(g3?.data, { v: '2' });
    assert.deepEqual(g1.data, { v: '1' });
    const [ev] = await take(w, 1);
    w.stop();
    assert.equal(ev.object, g3, 'watch events carry the cached instance');
    assert.equal(ev.prevObject, g1, 'and the previous cached instance');
  });

  test('objects are kept packed; only a bounded working set is decoded', async () => {
    const a = await open();
    const p = freshPrefix('packed');
    const n = 120;
    for (let i = 0; i < n; i++) {
      await a.storage.create(
        `${p}default/cm-${String(i).padStart(3, '0')}`,
        configMap(`cm-${i}`, { v: 'x'.repeat(100) }),
      );
    }
    const budget = 4096;
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend, decodedWorkingSetBytes: budget });
    const cold = c.memoryStats();
    assert.equal(cold.objects, n);
    assert.ok(cold.packedBytes > n * 100, `${cold.packedBytes} packed bytes`);
    assert.equal(cold.decodedObjects, 0, 'nothing is decoded before it is read');

    const list = await c.list(p);
    assert.equal(list.items.length, n);
    assert.deepEqual(
      list.items.map((o) => o.metadata?.name),
      Array.from({ length: n }, (_, i) => `cm-${i}`),
    );
    const warm = c.memoryStats();
    assert.ok(warm.decodedPackedBytes <= budget, `${warm.decodedPackedBytes} <= ${budget}`);
    assert.ok(warm.decodedObjects > 0 && warm.decodedObjects < n, `${warm.decodedObjects} decoded`);
    // the last ones read are the ones kept: reading them again returns the same instances
    const last = list.items[n - 1];
    assert.equal(await c.get(`${p}default/cm-${n - 1}`), last);
    // an evicted one decodes to an equal, fresh instance
    const first = await c.get(`${p}default/cm-000`);
    assert.notEqual(first, list.items[0]);
    assert.deepEqual(first, list.items[0]);
  });

  test('consistent reads through another replica see a write at once, also on a quiet prefix', async () => {
    const a = await open();
    const b = await open();
    const quiet = freshPrefix('quiet');
    const busy = freshPrefix('busy');
    await a.storage.create(`${quiet}default/q0`, configMap('q0'));
    const cb = await cacher(b.storage, { prefixes: [quiet, busy], backend: b.backend });
    // Without rangeStat the cacher falls back to the inner store when it cannot catch up quickly.
    const cn = await cacher((await open()).storage, { prefixes: [quiet, busy] });

    for (let i = 1; i <= 20; i++) {
      const created = await a.storage.create(`${quiet}default/q${i}`, configMap(`q${i}`));
      for (const c of [cb, cn]) {
        const got = await c.get(`${quiet}default/q${i}`, { ignoreNotFound: true });
        assert.equal(rv(got), rv(created), `replica B sees q${i} right after the write`);
        const l = await c.list(quiet);
        assert.equal(l.items.length, i + 1);
        assert.ok(l.revision >= rv(created));
      }
      await a.storage.create(`${busy}default/b${i}`, configMap(`b${i}`));
    }

    // The quiet prefix is served from memory although the store moved on (identity shows it).
    for (let i = 0; i < 5; i++) await a.storage.create(`${busy}default/x${i}`, configMap(`x${i}`));
    const l1 = await cb.list(quiet);
    const l2 = await cb.list(quiet);
    assert.equal(l1.items[0], l2.items[0], 'served from the cache');
    assert.equal(l1.revision, await a.storage.currentRevision(), 'at the current store revision');

    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await a.storage.create(`${busy}default/y${i}`, configMap(`y${i}`));
      await cb.list(quiet);
    }
    const withWrites = (performance.now() - t0) / n;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) await a.storage.create(`${busy}default/z${i}`, configMap(`z${i}`));
    const writeOnly = (performance.now() - t1) / n;
    const t2 = performance.now();
    for (let i = 0; i < n; i++) await cb.list(quiet);
    const readOnly = (performance.now() - t2) / n;
    console.log(
      `consistent list (21 items) on a quiet prefix via rangeStat: ${readOnly.toFixed(3)} ms; ` +
        `write on another prefix + consistent list: ${withWrites.toFixed(3)} ms (write alone ${writeOnly.toFixed(3)} ms)`,
    );
  });

  test('watch resumes from the ring; a revision older than the ring is 410 Expired', async () => {
    const a = await open();
    const p = freshPrefix('ring');
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend, watchCacheSize: 5 });
    const rvs: number[] = [];
    rvs.push(rv(await a.storage.create(`${p}default/x`, configMap('x', { i: '0' }))));
    for (let i = 1; i < 10; i++) {
      const u = await a.storage.guaranteedUpdate(`${p}default/x`, undefined, (cur) => ({
        ...cur,
        data: { i: `${i}` },
      }));
      rvs.push(rv(u));
    }
    await c.get(`${p}default/x`); // caught up
    const w = await c.watch(p, { resourceVersion: String(rvs[6]) });
    const evs = await take(w, 3);
    assert.deepEqual(
      evs.map((e) => [e.type, e.revision, (e.object.data as Record<string, string>).i]),
      [
        ['MODIFIED', rvs[7], '7'],
        ['MODIFIED', rvs[8], '8'],
        ['MODIFIED', rvs[9], '9'],
      ],
    );
    await a.storage.delete(`${p}default/x`);
    const [del] = await take(w, 1);
    assert.equal(del.type, 'DELETED');
    w.stop();

    // The ring holds the last 5 events: rvs[6]..(delete); rvs[5] is the oldest resumable point.
    const ok = await c.watch(p, { resourceVersion: String(rvs[5]) });
    assert.equal((await take(ok, 5)).length, 5);
    ok.stop();
    await assert.rejects(c.watch(p, { resourceVersion: String(rvs[2]) }), (e: unknown) => {
      assert.ok(isStorageError(e, 'Expired'), String(e));
      assert.match(e.message, /too old resource version/);
      return true;
    });
  });

  test('a slow watcher is cut off; the others get everything', async () => {
    const a = await open();
    const p = freshPrefix('slow');
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend, maxWatcherBacklog: 20 });
    const start = String(await a.storage.currentRevision());
    const slow = await c.watch(p, { resourceVersion: start });
    const fast = await c.watch(p, { resourceVersion: start });
    const fastEvents = take(fast, 60);
    await Promise.all(Array.from({ length: 60 }, (_, i) => a.storage.create(`${p}default/o${i}`, configMap(`o${i}`))));
    assert.equal((await fastEvents).length, 60);
    const slowEvents = await drain(slow);
    assert.equal(slowEvents.length, 20, 'the slow watcher ends after its bounded backlog');
    assert.deepEqual(c.stats().find((s) => s.prefix === p)?.watchers, 1, 'only the fast watcher is still registered');
    fast.stop();
  });

  test('when the inner watch fails: watchers get 410, the cache re-lists and keeps unchanged instances', async () => {
    const a = await open();
    const p = freshPrefix('relist');
    await a.storage.create(`${p}default/kept`, configMap('kept'));
    const inj = withWatchFailure(a.storage);
    const c = await cacher(inj.storage, { prefixes: [p], backend: a.backend, relistDelayMs: 20 });
    const kept = await c.get(`${p}default/kept`);
    const w = await c.watch(p, { resourceVersion: String(await a.storage.currentRevision()) });
    inj.failWatches();
    const evs = await drain(w);
    assert.equal(evs.length, 1);
    assert.equal(evs[0].type, 'ERROR');
    assert.equal(evs[0].object.code, 410);
    await a.storage.create(`${p}default/new`, configMap('new'));
    const deadline = Date.now() + 5000;
    while (c.stats().find((s) => s.prefix === p)?.state !== 'ready' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(c.stats().find((s) => s.prefix === p)?.state, 'ready');
    assert.ok(await c.get(`${p}default/new`));
    assert.equal(await c.get(`${p}default/kept`), kept, 'unchanged object keeps its instance across the re-list');
  });

  test('progress BOOKMARKs for watchers that asked; initial events end with a BOOKMARK', async () => {
    const a = await open();
    const p = freshPrefix('bookmark');
    await a.storage.create(`${p}default/a`, configMap('a', {}, { env: 'prod' }));
    await a.storage.create(`${p}default/b`, configMap('b', {}, { env: 'dev' }));
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend, bookmarkIntervalMs: 100 });
    const prod = (o: KubeObject): boolean => o.metadata?.labels?.env === 'prod';
    const w = await c.watch(p, { sendInitialEvents: true, predicate: prod, progressNotify: true });
    const initial = await take(w, 2);
    assert.deepEqual(
      initial.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
      ['ADDED a', 'BOOKMARK '],
    );
    assert.equal(initial[1].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
    // A change the watcher does not select still moves its bookmark forward.
    const changed = await a.storage.guaranteedUpdate(`${p}default/b`, undefined, (cur) => ({
      ...cur,
      data: { x: 'y' },
    }));
    const [bm] = await take(w, 1, 2000);
    assert.equal(bm.type, 'BOOKMARK');
    assert.equal(bm.revision, rv(changed));
    assert.equal(bm.object.metadata?.resourceVersion, String(rv(changed)));
    w.stop();
  });

  test('a future resourceVersion is waited for, then served from memory', async () => {
    const a = await open();
    const p = freshPrefix('future');
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend, tooLargeResourceVersionWaitMs: 2000 });
    const next = (await a.storage.currentRevision()) + 1;
    const pending = c.list(p, { resourceVersion: String(next), resourceVersionMatch: 'NotOlderThan' });
    await a.storage.create(`${p}default/n`, configMap('n'));
    const res = await pending;
    assert.equal(res.revision, next);
    assert.equal(res.items.length, 1);
    const impatient = createCacher(a.storage, { prefixes: [p], tooLargeResourceVersionWaitMs: 100 });
    cachers.push(impatient);
    await assert.rejects(impatient.get(`${p}default/n`, { resourceVersion: String(next + 1000) }), (e: unknown) =>
      isStorageError(e, 'TooLargeResourceVersion'),
    );
  });

  test('1,000-object lists with a predicate are served from memory quickly', async () => {
    const a = await open();
    const p = freshPrefix('big');
    const payload = 'x'.repeat(512);
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          a.storage.create(
            `${p}ns${(i + j) % 10}/cm-${String(i + j).padStart(4, '0')}`,
            configMap(`cm-${i + j}`, { payload }, { env: (i + j) % 2 === 0 ? 'prod' : 'dev', idx: String(i + j) }),
          ),
        ),
      );
    }
    const c = await cacher(a.storage, { prefixes: [p], backend: a.backend });
    const pred = (o: KubeObject): boolean => o.metadata?.labels?.env === 'prod';

    const time = async (label: string, n: number, fn: () => Promise<number>): Promise<number> => {
      await fn();
      const t0 = performance.now();
      let items = 0;
      for (let i = 0; i < n; i++) items = await fn();
      const ms = (performance.now() - t0) / n;
      console.log(`${label}: ${ms.toFixed(3)} ms (${items} items)`);
      return ms;
    };
    const all = await time('cacher list 1000, consistent', 50, async () => (await c.list(p)).items.length);
    const filtered = await time(
      'cacher list 1000, consistent, label predicate',
      50,
      async () => (await c.list(p, { predicate: pred })).items.length,
    );
    const any = await time(
      'cacher list 1000, resourceVersion=0, label predicate',
      50,
      async () => (await c.list(p, { predicate: pred, resourceVersion: '0' })).items.length,
    );
    const ns = await time(
      'cacher list one namespace (100 of 1000), consistent',
      50,
      async () => (await c.list(`${p}ns3/`)).items.length,
    );
    const direct = await time(
      'uncached store list 1000, label predicate (etcd)',
      5,
      async () => (await a.storage.list(p, { predicate: pred })).items.length,
    );
    assert.equal((await c.list(p, { predicate: pred })).items.length, 500);
    assert.equal((await c.list(`${p}ns3/`)).items.length, 100);
    assert.ok(filtered < 25 && all < 25 && any < 10 && ns < 25, 'lists from memory take milliseconds');
    assert.ok(filtered < direct, 'faster than listing etcd');
  });
});
