import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { priorityclasses } from '../src/registry/kinds/scheduling.k8s.io/priorityclasses';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { StoreTable } from '../src/registry/store-table';
import { loadSchemaSet } from '../src/schema/load';
import { ensureSystemPriorityClasses } from '../src/server/system-priority-classes';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

// The start-up hook as several replicas run it against one store: concurrent, repeated, after deletes.
describe('system priority classes at start', () => {
  let dir: string;
  let opened: OpenedStorage;
  let table: StoreTable;
  const names = async (): Promise<string[]> => {
    const list = await table.store('scheduling.k8s.io', 'v1', 'priorityclasses')!.list('', {});
    return (list.items as KubeObject[]).map((o) => o.metadata?.name ?? '').sort();
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-pc-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    table = new StoreTable();
    table.add(
      makeStore(priorityclasses, {
        storage: opened.storage,
        backend: opened.backend,
        prefix: opened.prefix,
        serviceClusterIPRange: '10.96.0.0/12',
        serviceNodePortRange: '30000-32767',
        security: newSecurityServices(),
      }),
    );
  });

  after(async () => {
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('three replicas starting at once create each class exactly once', async () => {
    await Promise.all([
      ensureSystemPriorityClasses(table),
      ensureSystemPriorityClasses(table),
      ensureSystemPriorityClasses(table),
    ]);
    assert.deepEqual(await names(), ['system-cluster-critical', 'system-node-critical']);
    const store = table.store('scheduling.k8s.io', 'v1', 'priorityclasses')!;
    const node = await store.get('', 'system-node-critical');
    assert.equal(node.value, 2_000_001_000);
    assert.equal(node.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal((await store.get('', 'system-cluster-critical')).value, 2_000_000_000);
  });

  test('an existing class is left as it is (no write on a later start)', async () => {
    const store = table.store('scheduling.k8s.io', 'v1', 'priorityclasses')!;
    const before = await store.get('', 'system-node-critical');
    await ensureSystemPriorityClasses(table);
    const after_ = await store.get('', 'system-node-critical');
    assert.equal(after_.metadata?.resourceVersion, before.metadata?.resourceVersion);
  });

  test('a single delete is Forbidden; after a collection delete the next start brings them back', async () => {
    const store = table.store('scheduling.k8s.io', 'v1', 'priorityclasses')!;
    await assert.rejects(store.delete('', 'system-cluster-critical'), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 403);
      assert.equal(e.reason, 'Forbidden');
      assert.equal(
        e.message,
        'priorityclasses.scheduling.k8s.io "system-cluster-critical" is forbidden: this is a system priority class and cannot be deleted',
      );
      return true;
    });
    await store.create('', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'user' },
      value: 5,
    });
    await store.delete('', 'user');
    await store.deleteCollection('', {});
    assert.deepEqual(await names(), []);
    await ensureSystemPriorityClasses(table);
    assert.deepEqual(await names(), ['system-cluster-critical', 'system-node-critical']);
  });
});
