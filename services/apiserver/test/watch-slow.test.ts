import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { createCacher, type Cacher, type CacherOptions } from '../src/storage/cacher';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import type { StorageWatchEvent, Watcher } from '../src/storage/interface';
import { EventQueue } from '../src/storage/watch-queue';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const KiB = 1024;
const MiB = 1024 * KiB;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function bigConfigMap(name: string, i: number, bytes = 512 * KiB): KubeObject {
  // distinct contents per version, so no two versions share strings
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    data: { blob: `${i}:`.padEnd(bytes, String.fromCharCode(97 + (i % 26))) },
  };
}

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / MiB;
}

/** Reads until the watch ends or timeoutMs passes; `delayMs` between reads makes a slow consumer. */
async function readAll(
  w: Watcher,
  opts: { timeoutMs: number; delayMs?: number; until?: (evs: StorageWatchEvent[]) => boolean },
): Promise<{ events: StorageWatchEvent[]; ended: boolean }> {
  const it = w[Symbol.asyncIterator]();
  const events: StorageWatchEvent[] = [];
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.until?.(events)) return { events, ended: false };
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(deadline - Date.now(), 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') return { events, ended: false };
    if (r.done) return { events, ended: true };
    events.push(r.value);
    if (opts.delayMs) await sleep(opts.delayMs);
  }
}

describe('watch cache: slow and stalled watchers', () => {
  const dirs: string[] = [];
  const opened: OpenedStorage[] = [];
  const cachers: Cacher[] = [];
  after(async () => {
    for (const c of cachers) c.stop();
    for (const o of opened) await o.storage.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function setup(opts: Partial<CacherOptions>): Promise<{ inner: OpenedStorage; cacher: Cacher; p: string }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-watch-slow-'));
    dirs.push(dir);
    const inner = await openStorage({ backend: 'embedded', dataDir: dir }, jsonStorageCodec);
    opened.push(inner);
    const p = '/registry/configmaps/';
    const cacher = createCacher(inner.storage, { prefixes: [p], backend: inner.backend, ...opts });
    cachers.push(cacher);
    await cacher.ready();
    return { inner, cacher, p };
  }

  const watchersOf = (c: Cacher, p: string): number => c.stats().find((s) => s.prefix === p)?.watchers ?? -1;

  test('stalled watchers are bounded and closed; memory comes back; a live watcher keeps up', async (t) => {
    const { inner, cacher, p } = await setup({
      watchCacheSize: 5,
      maxWatcherBacklogBytes: 8 * MiB,
      watcherStallTimeoutMs: 300,
    });
    const key = `${p}default/big`;
    await inner.storage.create(key, bigConfigMap('big', 0));
    const start = String(await inner.storage.currentRevision());
    const base = heapMiB();

    // three watchers whose consumers never pull (as behind a socket that stopped draining)
    const stalled = await Promise.all([0, 1, 2].map(() => cacher.watch(p, { resourceVersion: start })));
    const aborted = stalled.map(
      (w) => new Promise<void>((r) => w.closedByStorage?.addEventListener('abort', () => r())),
    );
    // and one that reads, to see that fan-out does not wait for the stalled ones
    const live = await cacher.watch(p, { resourceVersion: start });
    const writeTimes = new Map<number, number>();
    const lags: number[] = [];
    const liveDone = (async () => {
      let n = 0;
      for await (const ev of live) {
        const t = writeTimes.get(ev.revision);
        if (t !== undefined) lags.push(Date.now() - t);
        if (++n === 150) break;
      }
      return n;
    })();

    let peak = 0;
    for (let i = 1; i <= 150; i++) {
      const before = Date.now();
      const o = await inner.storage.guaranteedUpdate(key, undefined, () => bigConfigMap('big', i));
      writeTimes.set(Number(o.metadata?.resourceVersion), before);
      if (i % 25 === 0) peak = Math.max(peak, heapMiB() - base);
    }
    assert.equal(await liveDone, 150, 'the reading watcher got every event');
    lags.sort((a, b) => a - b);
    const p99 = lags[Math.floor(lags.length * 0.99)] ?? 0;
    assert.ok(p99 < 1000, `events reached the live watcher late while others stalled: p99 ${p99} ms`);

    // closed for falling behind, told so without having to pull
    await Promise.race([Promise.all(aborted), sleep(5000).then(() => assert.fail('stalled watchers were not closed'))]);
    assert.equal(watchersOf(cacher, p), 0, 'closed watchers are unregistered (the live one stopped itself)');
    // after the stall timeout their buffers are released even though nobody ever read them
    await sleep(600);
    const retained = heapMiB() - base;
    // 150 versions of 512 KiB were written (75 MiB of strings; several times that decoded):
    // unbounded buffering of three watchers would keep all of them
    t.diagnostic(
      `heap: peak +${peak.toFixed(1)} MiB, after close +${retained.toFixed(1)} MiB; live watcher p99 lag ${p99} ms`,
    );
    assert.ok(peak < 60, `heap grew by ${peak.toFixed(1)} MiB while watchers stalled`);
    assert.ok(retained < 25, `heap still ${retained.toFixed(1)} MiB above the start once stalled watchers were closed`);
    for (const w of stalled) {
      const r = await readAll(w, { timeoutMs: 1000 });
      assert.ok(r.ended, 'a closed watcher ends its stream');
      assert.equal(r.events.length, 0, 'a stalled watcher’s buffer was released');
    }
  });

  test('a slow consumer gets every event or a closed stream after a gap-free prefix', async () => {
    const { inner, cacher, p } = await setup({
      watchCacheSize: 200,
      maxWatcherBacklog: 40,
      watcherStallTimeoutMs: 2000,
    });
    const start = String(await inner.storage.currentRevision());
    const slow = await cacher.watch(p, { resourceVersion: start });
    const slower = await cacher.watch(p, { resourceVersion: start });
    const written: number[] = [];
    const writes = (async () => {
      for (let i = 0; i < 120; i++) {
        const o = await inner.storage.create(`${p}default/o${i}`, bigConfigMap(`o${i}`, i, 64));
        written.push(Number(o.metadata?.resourceVersion));
        if (i % 10 === 0) await sleep(5);
      }
    })();
    // reads as fast as it can: may fall behind a little, never to the bound
    const a = readAll(slow, { timeoutMs: 15_000, until: (evs) => evs.length === 120 });
    // falls far behind: is cut off at the bound, drains what it was given, then sees the end
    const b = readAll(slower, { timeoutMs: 15_000, delayMs: 60 });
    await writes;
    const [ra, rb] = await Promise.all([a, b]);
    for (const r of [ra, rb]) {
      assert.deepEqual(
        r.events.map((e) => e.revision),
        written.slice(0, r.events.length),
        'what a consumer got is a prefix of the events, in order: no gap',
      );
      assert.ok(r.ended || r.events.length === 120, 'a consumer gets everything or sees its stream end');
    }
    assert.equal(ra.events.length, 120, 'the consumer that kept up got everything');
    assert.ok(rb.ended, 'the consumer that fell behind saw its stream end');
    assert.ok(rb.events.length > 0 && rb.events.length < 120);
    // the client re-watches from the last revision it saw and misses nothing
    const last = rb.events[rb.events.length - 1].revision;
    const again = await cacher.watch(p, { resourceVersion: String(last) });
    const rest = await readAll(again, { timeoutMs: 5000, until: (evs) => evs.length === 120 - rb.events.length });
    again.stop();
    assert.deepEqual(
      rest.events.map((e) => e.revision),
      written.slice(rb.events.length),
    );
    slow.stop();
  });

  test('a backend watch queue whose consumer stops reading is closed and released', async () => {
    let released = 0;
    const q = new EventQueue(() => released++, { maxEvents: 20, maxBytes: MiB, stallTimeoutMs: 100 });
    for (let i = 1; i <= 50; i++) q.push({ type: 'ADDED', object: { metadata: { name: `o${i}` } }, revision: i });
    assert.equal(q.backlog, 50, 'a burst is not cut: a backend watch cannot be slowed down');
    await sleep(250);
    assert.equal(q.stalled, true);
    assert.equal(q.closedByStorage.aborted, true);
    assert.equal(released, 1, 'the backend watch was cancelled');
    assert.equal(q.backlog, 0);
    const r = await readAll(q, { timeoutMs: 500 });
    assert.ok(r.ended);

    // a consumer that keeps reading is never closed, however large the bursts
    const q2 = new EventQueue(() => undefined, { maxEvents: 20, maxBytes: MiB, stallTimeoutMs: 100 });
    const reader = readAll(q2, { timeoutMs: 1500, until: (evs) => evs.length === 500 });
    for (let i = 1; i <= 500; i++) {
      q2.push({ type: 'ADDED', object: { metadata: { name: `o${i}` } }, revision: i });
      if (i % 50 === 0) await sleep(20);
    }
    const r2 = await reader;
    assert.equal(r2.events.length, 500);
    assert.equal(q2.stalled, false);
    q2.stop();
  });
});
