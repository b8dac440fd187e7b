import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { jsonStorageCodec, type StorageCodec } from '../src/storage/codec';
import { EmbeddedBackend } from '../src/storage/embedded-backend';
import type { StorageWatchEvent } from '../src/storage/interface';
import { createStore } from '../src/storage/store';
import { EventQueue } from '../src/storage/watch-queue';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LIMITS = { maxEvents: 10, maxBytes: 1 << 30, stallTimeoutMs: 50 };
const added = (i: number): StorageWatchEvent => ({
  type: 'ADDED',
  object: { metadata: { name: `o${i}` } },
  revision: i + 1,
});

async function drain(q: EventQueue): Promise<StorageWatchEvent[]> {
  const out: StorageWatchEvent[] = [];
  for await (const ev of q) out.push(ev);
  return out;
}

test('a large initial state read slowly is not closed as stalled; the same backlog pushed is', async () => {
  const q = new EventQueue(() => undefined, LIMITS);
  let produced = 0;
  q.startWith({
    length: 100,
    at: (i) => {
      produced++;
      return added(i);
    },
  });
  q.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '100' } }, revision: 100 });
  assert.equal(q.backlog, 101);
  assert.equal(produced, 0, 'nothing is produced before it is read');
  await sleep(3 * LIMITS.stallTimeoutMs);
  q.end();
  const got = await drain(q);
  assert.equal(q.stalled, false);
  assert.deepEqual(
    got.map((e) => e.revision),
    [...Array.from({ length: 100 }, (_, i) => i + 1), 100],
    'initial events first, in order, then what was pushed',
  );

  const pushed = new EventQueue(() => undefined, LIMITS);
  for (let i = 0; i < 100; i++) pushed.push(added(i));
  await sleep(3 * LIMITS.stallTimeoutMs);
  assert.equal(pushed.stalled, true, 'a consumer not reading a pushed backlog is still cut off');
});

test("a store watch's initial state is decoded as it is read; a value that does not decode ends it with an error", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-initial-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    for (const n of ['a', 'b', 'c']) {
      await backend.create(`/registry/things/ns/${n}`, Buffer.from(JSON.stringify({ metadata: { name: n } })));
    }
    let decoded = 0;
    const counting: StorageCodec = {
      encode: (o) => jsonStorageCodec.encode(o),
      decode: (bytes) => {
        decoded++;
        return jsonStorageCodec.decode(bytes);
      },
    };
    const store = createStore(backend, counting);
    const w = await store.watch('/registry/things', { sendInitialEvents: true });
    assert.equal(decoded, 0, 'no value decoded before the consumer reads');
    const it = w[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal((first.value as StorageWatchEvent).object.metadata?.name, 'a');
    assert.equal(decoded, 1);
    const rest: StorageWatchEvent[] = [];
    for (let i = 0; i < 3; i++) rest.push((await it.next()).value as StorageWatchEvent);
    assert.deepEqual(
      rest.map((e) => [e.type, e.object.metadata?.name ?? e.object.metadata?.annotations]),
      [
        ['ADDED', 'b'],
        ['ADDED', 'c'],
        ['BOOKMARK', { 'k8s.io/initial-events-end': 'true' }],
      ],
    );
    w.stop();

    await backend.create('/registry/things/ns/d', Buffer.from('not json'));
    const broken = await store.watch('/registry/things', { sendInitialEvents: true });
    const events: StorageWatchEvent[] = [];
    for await (const ev of broken) events.push(ev);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'ADDED', 'ADDED', 'ERROR'],
      'the error, and nothing after it',
    );
    const status = events[3].object as KubeObject & { code?: number; message?: string };
    assert.equal(status.code, 500);
    assert.match(status.message ?? '', /\/registry\/things\/ns\/d/);
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a store list without a selection decodes each item when it is read; with one, as list does', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-lazylist-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    for (const n of ['a', 'b', 'c']) {
      await backend.create(`/registry/things/ns/${n}`, Buffer.from(JSON.stringify({ metadata: { name: n } })));
    }
    let decoded = 0;
    const store = createStore(backend, {
      encode: (o) => jsonStorageCodec.encode(o),
      decode: (bytes) => {
        decoded++;
        return jsonStorageCodec.decode(bytes);
      },
    });
    const eager = await store.list('/registry/things');
    decoded = 0;
    const lazy = await store.listLazy?.('/registry/things');
    assert.ok(lazy, 'the store lists lazily');
    assert.equal(decoded, 0);
    assert.equal(lazy.items.length, 3);
    assert.equal(lazy.revision, eager.revision);
    assert.deepEqual(lazy.items.at(1), eager.items[1]);
    assert.equal(decoded, 1, 'only the item read was decoded');
    assert.equal(lazy.items.at(3), undefined);

    const selected = await store.listLazy?.('/registry/things', { predicate: (o) => o.metadata?.name !== 'b' });
    assert.deepEqual(
      [0, 1].map((i) => selected?.items.at(i)?.metadata?.name),
      ['a', 'c'],
    );
    assert.equal(selected?.items.length, 2);
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
