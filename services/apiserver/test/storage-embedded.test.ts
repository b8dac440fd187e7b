import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonStorageCodec } from '../src/storage/codec';
import { EmbeddedBackend } from '../src/storage/embedded-backend';
import { openStorage } from '../src/storage/factory';
import { WRITER_PREFIX } from './helpers/embedded-writer';
import { runStorageConformance } from './storage-conformance';

runStorageConformance('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-embedded-'));
  return {
    open: (opts = {}) =>
      openStorage(
        { backend: 'embedded', dataDir, compactionIntervalMs: opts.compactionIntervalMs ?? 0 },
        jsonStorageCodec,
      ),
    teardown: () => rm(dataDir, { recursive: true, force: true }),
  };
});

test('embedded: every acknowledged write survives SIGKILL of the writer', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-crash-'));
  try {
    const child = spawn(process.execPath, [join(__dirname, 'helpers', 'embedded-writer.js'), dataDir, '100000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let partial = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      // Kill mid-stream, while writes are in flight, once enough have been acknowledged.
      if (acked.length >= 150 && child.exitCode === null && child.pid !== undefined && !child.killed) {
        process.kill(child.pid, 'SIGKILL');
      }
    });
    const signal = await exited;
    assert.equal(signal, 'SIGKILL', `writer was killed, not finished (stderr: ${stderr})`);
    assert.ok(acked.length >= 150, `writer acknowledged ${acked.length} writes`);

    const { storage } = await openStorage({ backend: 'embedded', dataDir, compactionIntervalMs: 0 }, jsonStorageCodec);
    try {
      const stored = await storage.list(WRITER_PREFIX);
      const present = new Set(stored.items.map((o) => o.metadata?.name));
      const missing = acked.filter((n) => !present.has(n));
      assert.deepEqual(missing, [], 'no acknowledged write was lost');
      // Writes are sequential, so what is stored is a gap-free prefix of the sequence.
      assert.deepEqual(
        stored.items.map((o) => (o.data as Record<string, string>).i),
        stored.items.map((_o, i) => String(i)),
      );
      const next = await storage.create(`${WRITER_PREFIX}after`, { metadata: { name: 'after' } });
      assert.ok(Number(next.metadata?.resourceVersion) > stored.revision);
    } finally {
      await storage.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('embedded: start-up writes skip the per-write flush, are durable afterwards, and FULL sync comes back', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-startup-'));
  try {
    const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
    const seen = await backend.startupWrites(async () => {
      for (let i = 0; i < 20; i++) await backend.create(`/registry/x/${i}`, Buffer.from(`v${i}`));
      return (await backend.count('/registry/x/')) as number;
    });
    assert.equal(seen, 20);
    await assert.rejects(
      backend.startupWrites(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    // synchronous is FULL (2) again, even after a failed batch
    assert.equal(backend.pragmaValue('synchronous'), 2);
    // a restart's batch that finds everything in place writes nothing (and needs no flush)
    assert.equal(await backend.startupWrites(async () => backend.count('/registry/x/')), 20);
    assert.equal(backend.pragmaValue('synchronous'), 2);
    await backend.close();
    const reopened = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
    assert.equal(await reopened.count('/registry/x/'), 20);
    await reopened.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
