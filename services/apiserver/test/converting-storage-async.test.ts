import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { newInternalError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { jsonStorageCodec } from '../src/storage/codec';
import { convertingStorage, type VersionConversion } from '../src/storage/converting-storage';
import { EmbeddedBackend } from '../src/storage/embedded-backend';
import { createStore } from '../src/storage/store';

const retag = (o: KubeObject, v: string): KubeObject => ({ ...o, apiVersion: `example.com/${v}` });

test('a converter that calls out gets a whole list in one batch, and a failing one ends a watch with its error', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-convstore-async-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  const batches: number[] = [];
  let failing = false;
  const conv: VersionConversion = {
    toStored: (o) => retag(o, 'v1'),
    toServed: (o) => retag(o, 'v2'),
    toStoredMany: (objs) => Promise.resolve(objs.map((o) => ({ ...retag(o, 'v1'), spec: { via: 'hook' } }))),
    toServedMany: (objs) => {
      batches.push(objs.length);
      if (failing)
        return Promise.reject(newInternalError('conversion webhook for example.com/v1, Kind=Widget failed: down'));
      return Promise.resolve(objs.map((o) => retag(o, 'v2')));
    },
  };
  try {
    const stored = createStore(backend, jsonStorageCodec);
    const served = convertingStorage(stored, conv);
    for (const name of ['a', 'b', 'c']) {
      await served.create(`/registry/example.com/widgets/default/${name}`, {
        apiVersion: 'example.com/v2',
        kind: 'Widget',
        metadata: { name, namespace: 'default' },
      });
    }
    const raw = await stored.get('/registry/example.com/widgets/default/a');
    assert.deepEqual([raw?.apiVersion, raw?.spec], ['example.com/v1', { via: 'hook' }]);
    batches.length = 0;
    const list = await served.list('/registry/example.com/widgets/default/');
    assert.deepEqual(batches, [3]);
    assert.deepEqual(
      list.items.map((o) => o.apiVersion),
      ['example.com/v2', 'example.com/v2', 'example.com/v2'],
    );

    const w = await served.watch('/registry/example.com/widgets/default/', {
      resourceVersion: list.revision.toString(),
    });
    const it = w[Symbol.asyncIterator]();
    failing = true;
    await stored.delete('/registry/example.com/widgets/default/b', undefined);
    const ev = await it.next();
    assert.equal(ev.done, false);
    assert.equal(ev.value.type, 'ERROR');
    assert.equal(ev.value.object.kind, 'Status');
    assert.equal((ev.value.object as { code?: number }).code, 500);
    assert.match(String((ev.value.object as { message?: string }).message), /Kind=Widget failed: down$/);
    assert.equal((await it.next()).done, true);
    w.stop();
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
