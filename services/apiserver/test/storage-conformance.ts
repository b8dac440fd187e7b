import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { isStorageError, type StorageErrorCode } from '../src/storage/errors';
import type { OpenedStorage } from '../src/storage/factory';
import type { Storage, StorageWatchEvent, Watcher } from '../src/storage/interface';

/** One backend as the suite sees it: something that can be opened, reopened and torn down. */
export interface StorageUnderTest {
  /** A new client over the same data (after close(), this is a restart). */
  open(opts?: { compactionIntervalMs?: number }): Promise<OpenedStorage>;
  /** Restarts the server process underneath, keeping its data (etcd only). */
  restartServer?(): Promise<void>;
  teardown(): Promise<void>;
}

let seq = 0;
function freshPrefix(label: string): string {
  seq++;
  return `/registry/conf-${label}-${seq}-${randomUUID().slice(0, 8)}/`;
}

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels ? { labels } : {}) },
    data,
  };
}

function rvOf(obj: KubeObject | null | undefined): number {
  const rv = obj?.metadata?.resourceVersion;
  assert.ok(rv, 'object has a resourceVersion');
  return Number(rv);
}

function names(objs: KubeObject[]): string[] {
  return objs.map((o) => o.metadata?.name ?? '');
}

async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStorageError(e), `expected StorageError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Reads exactly n events, failing if they do not arrive within timeoutMs. */
async function take(w: Watcher, n: number, timeoutMs = 5000): Promise<StorageWatchEvent[]> {
  const it = w[Symbol.asyncIterator]();
  const out: StorageWatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(remaining, 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') assert.fail(`got ${out.length} of ${n} events: ${JSON.stringify(summary(out))}`);
    if (r.done) assert.fail(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Asserts that nothing more arrives for a short while. */
async function expectQuiet(w: Watcher, ms = 300): Promise<void> {
  const it = w[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    it.next(),
    new Promise<'quiet'>((resolve) => {
      timer = setTimeout(() => resolve('quiet'), ms);
    }),
  ]);
  clearTimeout(timer);
  if (r !== 'quiet') assert.fail(`unexpected event: ${JSON.stringify(r.value)}`);
}

function summary(events: StorageWatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export function runStorageConformance(name: string, setup: () => Promise<StorageUnderTest>): void {
  describe(`storage conformance: ${name}`, () => {
    let target: StorageUnderTest;

    before(async () => {
      target = await setup();
    });
    after(async () => {
      await target?.teardown();
    });

    async function withStorage<T>(fn: (s: Storage, opened: OpenedStorage) => Promise<T>): Promise<T> {
      const opened = await target.open();
      try {
        return await fn(opened.storage, opened);
      } finally {
        await opened.storage.close();
      }
    }

    test('create, get, AlreadyExists, NotFound; resourceVersion is not stored', () =>
      withStorage(async (s, { backend }) => {
        const p = freshPrefix('crud');
        const created = await s.create(`${p}default/a`, configMap('a', { k: 'v' }));
        const rv = rvOf(created);
        assert.equal(created.metadata?.name, 'a');
        const got = await s.get(`${p}default/a`);
        assert.deepEqual(got, created);
        assert.equal(rvOf(got), rv);

        const raw = await backend.get(`${p}default/a`);
        assert.equal(raw.kv?.modRevision, rv);
        assert.ok(!raw.kv?.value.toString().includes('resourceVersion'), 'resourceVersion kept out of the value');

        await expectStorageError(s.create(`${p}default/a`, configMap('a')), 'KeyExists');
        await expectStorageError(s.get(`${p}default/missing`), 'KeyNotFound');
        assert.equal(await s.get(`${p}default/missing`, { ignoreNotFound: true }), null);
        const withRv = configMap('b');
        withRv.metadata = { ...withRv.metadata, resourceVersion: '5' };
        await expectStorageError(s.create(`${p}default/b`, withRv), 'InvalidObj');

        const dry = await s.create(`${p}default/dry`, configMap('dry'), { dryRun: true });
        assert.equal(dry.metadata?.name, 'dry');
        assert.equal(await s.get(`${p}default/dry`, { ignoreNotFound: true }), null, 'dry run wrote nothing');
        await expectStorageError(
          s.get(`${p}default/a`, { resourceVersion: String(rv + 1000) }),
          'TooLargeResourceVersion',
        );
      }));

    test('list returns items ordered by key, only under the prefix, at the store revision', () =>
      withStorage(async (s) => {
        const p = freshPrefix('order');
        for (const n of ['c', 'a', 'e', 'b', 'd']) await s.create(`${p}ns/${n}`, configMap(n));
        await s.create(`${p.slice(0, -1)}-sibling/ns/x`, configMap('x'));
        await s.create(`${p}ns2/a`, configMap('a'));
        const res = await s.list(p);
        assert.deepEqual(
          res.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
          ['default/a', 'default/b', 'default/c', 'default/d', 'default/e', 'default/a'],
        );
        assert.equal(res.continueKey, undefined);
        assert.equal(res.revision, await s.currentRevision());
        const nsOnly = await s.list(`${p}ns`);
        assert.deepEqual(names(nsOnly.items), ['a', 'b', 'c', 'd', 'e']);
        const single = await s.list(`${p}ns/c`, { recursive: false });
        assert.deepEqual(names(single.items), ['c']);
        assert.equal(await s.count(p), 6);
        assert.equal(await s.count(`${p}ns/`), 5);
        assert.equal(await s.count(freshPrefix('empty')), 0);
      }));

    test('list at a past revision (Exact), NotOlderThan, and a future revision', () =>
      withStorage(async (s) => {
        const p = freshPrefix('past');
        const a1 = await s.create(`${p}a`, configMap('a', { v: '1' }));
        const rv1 = rvOf(a1);
        await s.create(`${p}b`, configMap('b'));
        await s.guaranteedUpdate(`${p}a`, undefined, (cur) => ({ ...cur, data: { v: '2' } }));
        await s.delete(`${p}b`);

        const exact = await s.list(p, { resourceVersion: String(rv1), resourceVersionMatch: 'Exact' });
        assert.equal(exact.revision, rv1);
        assert.deepEqual(names(exact.items), ['a']);
        assert.deepEqual(exact.items[0].data, { v: '1' });
        assert.equal(rvOf(exact.items[0]), rv1);

        const atB = await s.list(p, { resourceVersion: String(rv1 + 1), resourceVersionMatch: 'Exact' });
        assert.deepEqual(names(atB.items), ['a', 'b']);

        const notOlder = await s.list(p, { resourceVersion: String(rv1), resourceVersionMatch: 'NotOlderThan' });
        assert.deepEqual(names(notOlder.items), ['a']);
        assert.deepEqual(notOlder.items[0].data, { v: '2' });
        assert.ok(notOlder.revision > rv1);

        const future = String((await s.currentRevision()) + 100);
        await expectStorageError(
          s.list(p, { resourceVersion: future, resourceVersionMatch: 'Exact' }),
          'TooLargeResourceVersion',
        );
        await expectStorageError(
          s.list(p, { resourceVersion: future, resourceVersionMatch: 'NotOlderThan' }),
          'TooLargeResourceVersion',
        );
        await expectStorageError(s.list(p, { resourceVersion: 'abc' }), 'InvalidError');
      }));

    test('paging with limit and continue stays at the first page revision', () =>
      withStorage(async (s) => {
        const p = freshPrefix('paging');
        for (const n of ['a', 'b', 'c', 'd', 'e']) await s.create(`${p}${n}`, configMap(n, { n }));
        const first = await s.list(p, { limit: 2 });
        assert.deepEqual(names(first.items), ['a', 'b']);
        assert.equal(first.continueKey, `${p}b`);
        assert.equal(first.remainingItemCount, 3);

        // Changes after the first page must not show up in later pages.
        await s.create(`${p}bb`, configMap('bb'));
        await s.delete(`${p}d`);
        await s.guaranteedUpdate(`${p}c`, undefined, (cur) => ({ ...cur, data: { n: 'changed' } }));

        const second = await s.list(p, { limit: 2, continueKey: first.continueKey, continueRevision: first.revision });
        assert.deepEqual(names(second.items), ['c', 'd']);
        assert.deepEqual(second.items[0].data, { n: 'c' });
        assert.equal(second.revision, first.revision);
        assert.equal(second.remainingItemCount, 1);
        const third = await s.list(p, { limit: 2, continueKey: second.continueKey, continueRevision: first.revision });
        assert.deepEqual(names(third.items), ['e']);
        assert.equal(third.continueKey, undefined);
        assert.equal(third.remainingItemCount, undefined);

        // A predicate filters before the limit counts, and no remaining count is given.
        const odd = (o: KubeObject): boolean => ['a', 'c', 'e'].includes(o.metadata?.name ?? '');
        const f1 = await s.list(p, {
          limit: 2,
          predicate: odd,
          resourceVersion: String(first.revision),
          resourceVersionMatch: 'Exact',
        });
        assert.deepEqual(names(f1.items), ['a', 'c']);
        assert.equal(f1.continueKey, `${p}c`);
        assert.equal(f1.remainingItemCount, undefined);
        const f2 = await s.list(p, {
          limit: 2,
          predicate: odd,
          continueKey: f1.continueKey,
          continueRevision: f1.revision,
        });
        assert.deepEqual(names(f2.items), ['e']);
        assert.equal(f2.continueKey, undefined);

        const latest = await s.list(p);
        assert.deepEqual(names(latest.items), ['a', 'b', 'bb', 'c', 'e']);
      }));

    test('guaranteedUpdate retries conflicts: concurrent increments all land', () =>
      withStorage(async (s) => {
        const p = freshPrefix('cas');
        const key = `${p}counter`;
        await s.create(key, configMap('counter', { n: '0' }));
        let calls = 0;
        const increment = (): Promise<KubeObject> =>
          s.guaranteedUpdate(key, undefined, async (cur) => {
            calls++;
            // Yield so the ten updates interleave between read and write and really conflict.
            await tick();
            const data = cur.data as Record<string, string>;
            return { ...cur, data: { n: String(Number(data.n) + 1) } };
          });
        const results = await Promise.all(Array.from({ length: 10 }, increment));
        const final = await s.get(key);
        assert.deepEqual(final?.data, { n: '10' });
        assert.equal(new Set(results.map(rvOf)).size, 10, 'each update got its own revision');
        assert.ok(calls > 10, `conflicts caused retries (tryUpdate called ${calls} times)`);

        // An update that changes nothing does not write.
        const before = await s.currentRevision();
        const same = await s.guaranteedUpdate(key, undefined, (cur) => cur);
        assert.equal(rvOf(same), rvOf(final));
        assert.equal(await s.currentRevision(), before);

        // tryUpdate errors abort the update.
        await assert.rejects(
          s.guaranteedUpdate(key, undefined, () => {
            throw new Error('refused');
          }),
          /refused/,
        );

        await expectStorageError(
          s.guaranteedUpdate(`${p}missing`, undefined, (c) => c),
          'KeyNotFound',
        );
        const made = await s.guaranteedUpdate(`${p}made`, undefined, () => configMap('made'), { ignoreNotFound: true });
        assert.equal((await s.get(`${p}made`))?.metadata?.resourceVersion, made.metadata?.resourceVersion);

        const dry = await s.guaranteedUpdate(key, undefined, (cur) => ({ ...cur, data: { n: 'dry' } }), {
          dryRun: true,
        });
        assert.deepEqual(dry.data, { n: 'dry' });
        assert.deepEqual((await s.get(key))?.data, { n: '10' });
      }));

    test('guaranteedUpdate preconditions on uid and resourceVersion', () =>
      withStorage(async (s) => {
        const p = freshPrefix('pre');
        const key = `${p}x`;
        const created = await s.create(key, configMap('x', { v: '1' }));
        const update = (cur: KubeObject): KubeObject => ({ ...cur, data: { v: '2' } });
        await expectStorageError(s.guaranteedUpdate(key, { uid: 'other' }, update), 'InvalidObj');
        await expectStorageError(s.guaranteedUpdate(key, { resourceVersion: '1' }, update), 'InvalidObj');
        await assert.rejects(
          s.guaranteedUpdate(key, { uid: 'other' }, update),
          /Precondition failed: UID in precondition/,
        );
        assert.deepEqual((await s.get(key))?.data, { v: '1' });
        const ok = await s.guaranteedUpdate(
          key,
          { uid: 'uid-x', resourceVersion: created.metadata?.resourceVersion },
          update,
        );
        assert.deepEqual(ok.data, { v: '2' });
        assert.ok(rvOf(ok) > rvOf(created));
      }));

    test('delete with preconditions and validation returns the last state', () =>
      withStorage(async (s) => {
        const p = freshPrefix('del');
        const key = `${p}x`;
        await s.create(key, configMap('x', { v: '1' }));
        const updated = await s.guaranteedUpdate(key, undefined, (cur) => ({ ...cur, data: { v: '2' } }));
        await expectStorageError(s.delete(key, { uid: 'other' }), 'InvalidObj');
        await expectStorageError(s.delete(key, { resourceVersion: '1' }), 'InvalidObj');
        await assert.rejects(
          s.delete(key, undefined, {
            validateDeletion: () => {
              throw new Error('not allowed');
            },
          }),
          /not allowed/,
        );
        const dry = await s.delete(key, undefined, { dryRun: true });
        assert.equal(rvOf(dry), rvOf(updated));
        assert.ok(await s.get(key), 'still there after refused and dry-run deletes');

        const deleted = await s.delete(key, { uid: 'uid-x', resourceVersion: updated.metadata?.resourceVersion });
        assert.deepEqual(deleted.data, { v: '2' });
        assert.equal(rvOf(deleted), rvOf(updated));
        await expectStorageError(s.get(key), 'KeyNotFound');
        await expectStorageError(s.delete(key), 'KeyNotFound');
        // The name can be used again afterwards.
        const again = await s.create(key, configMap('x', { v: '3' }));
        assert.ok(rvOf(again) > rvOf(updated));
      }));

    test('watch from a past revision replays exactly the events after it, then live ones', () =>
      withStorage(async (s) => {
        const p = freshPrefix('watch');
        await s.create(`${p}before`, configMap('before'));
        const start = await s.currentRevision();
        const a = await s.create(`${p}a`, configMap('a', { v: '1' }));
        const a2 = await s.guaranteedUpdate(`${p}a`, undefined, (c) => ({ ...c, data: { v: '2' } }));
        const b = await s.create(`${p}b`, configMap('b'));
        await s.delete(`${p}a`);
        const deletedAt = await s.currentRevision();
        await s.create(`${p.slice(0, -1)}-other/z`, configMap('z'));

        const w = await s.watch(p, { resourceVersion: String(start) });
        try {
          const evs = await take(w, 4);
          assert.deepEqual(summary(evs), ['ADDED a', 'MODIFIED a', 'ADDED b', 'DELETED a']);
          assert.deepEqual(
            evs.map((e) => e.revision),
            [rvOf(a), rvOf(a2), rvOf(b), deletedAt],
          );
          assert.deepEqual(
            evs.map((e) => rvOf(e.object)),
            [rvOf(a), rvOf(a2), rvOf(b), deletedAt],
          );
          assert.deepEqual(evs[3].object.data, { v: '2' }, 'DELETED carries the last state');
          assert.deepEqual(evs[1].prevObject?.data, { v: '1' });

          const b2 = await s.guaranteedUpdate(`${p}b`, undefined, (c) => ({ ...c, data: { v: 'live' } }));
          const live = await take(w, 1);
          assert.deepEqual(summary(live), ['MODIFIED b']);
          assert.equal(live[0].revision, rvOf(b2));
          await expectQuiet(w);
        } finally {
          w.stop();
        }
        const ended = await w[Symbol.asyncIterator]().next();
        assert.equal(ended.done, true, 'a stopped watch ends');
      }));

    test('watch at "0" sends the current state as ADDED first; single-key watch', () =>
      withStorage(async (s) => {
        const p = freshPrefix('initial');
        await s.create(`${p}a`, configMap('a'));
        await s.create(`${p}b`, configMap('b'));
        const w = await s.watch(p, { resourceVersion: '0' });
        const one = await s.watch(`${p}b`, { recursive: false, resourceVersion: String(await s.currentRevision()) });
        try {
          assert.deepEqual(summary(await take(w, 2)), ['ADDED a', 'ADDED b']);
          await s.create(`${p}c`, configMap('c'));
          await s.guaranteedUpdate(`${p}b`, undefined, (c) => ({ ...c, data: { x: '1' } }));
          assert.deepEqual(summary(await take(w, 2)), ['ADDED c', 'MODIFIED b']);
          assert.deepEqual(summary(await take(one, 1)), ['MODIFIED b']);
          await expectQuiet(one);
        } finally {
          w.stop();
          one.stop();
        }

        const bookmarked = await s.watch(p, { sendInitialEvents: true });
        try {
          const evs = await take(bookmarked, 4);
          assert.deepEqual(summary(evs), ['ADDED a', 'ADDED b', 'ADDED c', 'BOOKMARK ']);
          assert.equal(evs[3].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
        } finally {
          bookmarked.stop();
        }
      }));

    test('watch with a predicate: moving out of the selection is DELETED, moving in is ADDED', () =>
      withStorage(async (s) => {
        const p = freshPrefix('pred');
        const prod = (o: KubeObject): boolean => o.metadata?.labels?.env === 'prod';
        const w = await s.watch(p, { resourceVersion: String(await s.currentRevision()), predicate: prod });
        try {
          const setEnv = (env: string) => (c: KubeObject) => ({ ...c, metadata: { ...c.metadata, labels: { env } } });
          await s.create(`${p}x`, configMap('x', {}, { env: 'prod' }));
          await s.create(`${p}y`, configMap('y', {}, { env: 'dev' }));
          const out = await s.guaranteedUpdate(`${p}x`, undefined, setEnv('dev'));
          await s.guaranteedUpdate(`${p}y`, undefined, (c) => ({ ...c, data: { ignored: 'yes' } }));
          await s.guaranteedUpdate(`${p}x`, undefined, setEnv('prod'));
          await s.guaranteedUpdate(`${p}x`, undefined, (c) => ({ ...c, data: { v: '1' } }));
          await s.delete(`${p}y`);
          await s.delete(`${p}x`);
          const evs = await take(w, 5);
          assert.deepEqual(summary(evs), ['ADDED x', 'DELETED x', 'ADDED x', 'MODIFIED x', 'DELETED x']);
          assert.equal(rvOf(evs[1].object), rvOf(out), 'leaving the selection is reported at that revision');
          assert.equal(evs[1].object.metadata?.labels?.env, 'prod', 'with the last state that matched');
          await expectQuiet(w);
        } finally {
          w.stop();
        }
      }));

    test('compaction: reads and watches below the compacted revision are Expired', () =>
      withStorage(async (s, { backend }) => {
        const p = freshPrefix('compact');
        const first = await s.create(`${p}a`, configMap('a', { v: '0' }));
        for (let i = 1; i <= 3; i++)
          await s.guaranteedUpdate(`${p}a`, undefined, (c) => ({ ...c, data: { v: `${i}` } }));
        const rv1 = rvOf(first);
        const current = await s.currentRevision();
        await backend.compact(current);

        await expectStorageError(s.list(p, { resourceVersion: String(rv1), resourceVersionMatch: 'Exact' }), 'Expired');
        await expectStorageError(s.watch(p, { resourceVersion: String(rv1) }), 'Expired');
        await expectStorageError(s.list(p, { limit: 1, continueKey: `${p}a`, continueRevision: rv1 }), 'Expired');
        // Compacting again to an older revision is harmless.
        await backend.compact(rv1);

        const latest = await s.list(p);
        assert.deepEqual(latest.items[0].data, { v: '3' });
        const atCompacted = await s.list(p, { resourceVersion: String(current), resourceVersionMatch: 'Exact' });
        assert.deepEqual(names(atCompacted.items), ['a']);
        const w = await s.watch(p, { resourceVersion: String(current) });
        try {
          await s.guaranteedUpdate(`${p}a`, undefined, (c) => ({ ...c, data: { v: 'after' } }));
          assert.deepEqual(summary(await take(w, 1)), ['MODIFIED a']);
        } finally {
          w.stop();
        }
      }));

    test('the periodic compactor compacts to the revision seen one interval earlier', async () => {
      const opened = await target.open({ compactionIntervalMs: 200 });
      const s = opened.storage;
      try {
        const p = freshPrefix('compactor');
        const first = await s.create(`${p}a`, configMap('a'));
        await s.guaranteedUpdate(`${p}a`, undefined, (c) => ({ ...c, data: { v: '1' } }));
        const deadline = Date.now() + 8000;
        let expired = false;
        while (!expired && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          try {
            await s.list(p, { resourceVersion: String(rvOf(first)), resourceVersionMatch: 'Exact' });
          } catch (e) {
            if (!isStorageError(e, 'Expired')) throw e;
            expired = true;
          }
        }
        assert.ok(expired, 'old revision was compacted away');
        assert.deepEqual((await s.get(`${p}a`))?.data, { v: '1' });
      } finally {
        await s.close();
      }
    });

    test('restart: data and revisions survive closing and reopening', async () => {
      const p = freshPrefix('restart');
      const first = await target.open();
      let updatedRv: number;
      let revBefore: number;
      try {
        for (const n of ['a', 'b', 'c']) await first.storage.create(`${p}${n}`, configMap(n, { n }));
        updatedRv = rvOf(await first.storage.guaranteedUpdate(`${p}b`, undefined, (c) => ({ ...c, data: { n: 'B' } })));
        await first.storage.delete(`${p}c`);
        revBefore = await first.storage.currentRevision();
      } finally {
        await first.storage.close();
      }
      await target.restartServer?.();
      const second = await target.open();
      try {
        await second.storage.healthCheck();
        const res = await second.storage.list(p);
        assert.deepEqual(names(res.items), ['a', 'b']);
        assert.deepEqual(res.items[1].data, { n: 'B' });
        assert.equal(rvOf(res.items[1]), updatedRv);
        assert.ok((await second.storage.currentRevision()) >= revBefore);
        const next = await second.storage.create(`${p}d`, configMap('d'));
        assert.ok(rvOf(next) > revBefore, 'revisions keep increasing after a restart');
      } finally {
        await second.storage.close();
      }
    });

    test('create with a TTL: the key expires and watchers see it deleted', () =>
      withStorage(async (s) => {
        const p = freshPrefix('ttl');
        const w = await s.watch(p, { resourceVersion: String(await s.currentRevision()) });
        try {
          await s.create(`${p}short`, configMap('short'), { ttlSeconds: 1 });
          await s.create(`${p}kept`, configMap('kept'));
          // An update keeps the TTL the key was created with.
          await s.guaranteedUpdate(`${p}short`, undefined, (c) => ({ ...c, data: { touched: 'yes' } }));
          const evs = await take(w, 4, 10_000);
          assert.deepEqual(summary(evs), ['ADDED short', 'ADDED kept', 'MODIFIED short', 'DELETED short']);
          assert.equal(await s.get(`${p}short`, { ignoreNotFound: true }), null);
          assert.ok(await s.get(`${p}kept`));
        } finally {
          w.stop();
        }
      }));

    test('healthCheck fails after close', async () => {
      const opened = await target.open();
      await opened.storage.healthCheck();
      await opened.storage.close();
      await assert.rejects(opened.storage.healthCheck());
    });
  });
}
