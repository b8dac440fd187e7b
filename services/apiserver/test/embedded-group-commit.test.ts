import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendEvent } from '../src/storage/backend';
import { EmbeddedBackend } from '../src/storage/embedded-backend';

test('writes issued together share one commit; each is answered as if it ran alone', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-group-commit-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    const seed = await backend.create('/registry/x/seed', Buffer.from('0'));
    assert.ok(seed.ok);
    const events: BackendEvent[] = [];
    await backend.watch(
      '/registry/x/',
      { afterRevision: seed.revision, recursive: true },
      { onEvents: (e) => events.push(...e), onError: () => undefined },
    );
    const before = backend.writeCommits;
    const results = await Promise.allSettled([
      ...Array.from({ length: 50 }, (_, i) => backend.create(`/registry/x/k${i}`, Buffer.from(String(i)))),
      // the same key twice in one batch: the second finds the first
      backend.create('/registry/x/k0', Buffer.from('again')),
      backend.update('/registry/x/seed', Buffer.from('1'), seed.revision),
      backend.update('/registry/x/seed', Buffer.from('2'), seed.revision),
      // a write that fails inside the transaction fails alone
      backend.create('/registry/x/bad', { not: 'bytes' } as unknown as Buffer),
      backend.delete('/registry/x/k1'),
    ]);
    assert.equal(backend.writeCommits - before, 1, 'one transaction for the lot');
    const values = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    const revisions = values.slice(0, 50).map((v) => (v?.ok ? v.revision : -1));
    assert.deepEqual(
      revisions,
      Array.from({ length: 50 }, (_, i) => seed.revision + 1 + i),
      'revisions in the order the writes were issued',
    );
    assert.equal(values[50]?.ok, false, 'a create of a key the batch already created conflicts');
    assert.equal(values[51]?.ok, true);
    assert.equal(values[52]?.ok, false, 'a second update from the same revision conflicts');
    assert.equal(results[53].status, 'rejected', 'the malformed write is refused');
    assert.equal(values[54]?.ok, true);
    assert.equal((await backend.get('/registry/x/bad')).kv, undefined, 'and nothing of it is stored');
    assert.equal((await backend.get('/registry/x/seed')).kv?.value.toString(), '1');
    assert.equal((await backend.get('/registry/x/k1')).kv, undefined);

    await new Promise((r) => setImmediate(r));
    const seen = events.map((e) => e.kv.modRevision);
    assert.equal(seen.length, 52, 'every stored write is an event (50 creates, an update, a delete)');
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'in revision order',
    );
  } finally {
    await backend.close();
  }
  // what was acknowledged is on disk
  const reopened = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    assert.equal((await reopened.get('/registry/x/k49')).kv?.value.toString(), '49');
    assert.equal((await reopened.get('/registry/x/seed')).kv?.value.toString(), '1');
  } finally {
    await reopened.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a write issued as the store closes is committed and answered before it closes', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-group-commit-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  const write = backend.create('/registry/x/last', Buffer.from('v'));
  await backend.close();
  const r = await write;
  assert.ok(r.ok);
  const reopened = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    assert.equal((await reopened.get('/registry/x/last')).kv?.value.toString(), 'v');
  } finally {
    await reopened.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
