import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROTOBUF_MAGIC, createJsonStorageCodec, isProtobufValue, jsonStorageCodec } from '../src/storage/codec';
import { EmbeddedBackend } from '../src/storage/embedded-backend';
import { isStorageError } from '../src/storage/errors';
import { createStore } from '../src/storage/store';

test('stored values starting with k8s\\0 go to the protobuf hook; JSON values decode directly', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-codec-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    const proto = Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0x0a, 0x02, 0x08, 0x01])]);
    assert.ok(isProtobufValue(proto));
    assert.ok(!isProtobufValue(Buffer.from('{"kind":"Pod"}')));
    await backend.create('/registry/pods/default/p', proto);
    await backend.create('/registry/pods/default/q', Buffer.from('{"kind":"Pod","metadata":{"name":"q"}}'));

    const plain = createStore(backend, jsonStorageCodec);
    await assert.rejects(
      plain.get('/registry/pods/default/p'),
      (e: unknown) => isStorageError(e, 'Internal') && /protobuf/.test(e.message),
    );
    const q = await plain.get('/registry/pods/default/q');
    assert.equal(q?.metadata?.name, 'q');

    const seen: Buffer[] = [];
    const hooked = createStore(
      backend,
      createJsonStorageCodec({
        decodeProtobuf: (bytes) => {
          seen.push(bytes);
          return { kind: 'Pod', metadata: { name: 'p' } };
        },
      }),
    );
    const p = await hooked.get('/registry/pods/default/p');
    assert.equal(p?.metadata?.name, 'p');
    assert.ok(p?.metadata?.resourceVersion, 'resourceVersion set from the mod revision');
    assert.ok(seen[0].equals(proto), 'the hook got the whole stored value');
    const all = await hooked.list('/registry/pods');
    assert.deepEqual(
      all.items.map((o) => o.metadata?.name),
      ['p', 'q'],
    );
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
