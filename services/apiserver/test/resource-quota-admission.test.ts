import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import type { AdmissionDeps } from '../src/admission/plugins/deps';
import { resourceQuota } from '../src/admission/plugins/resource-quota';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { ResourceQuotaController } from '../src/controllers/resource-quota-controller';
import type { GenericStore } from '../src/registry/generic-store';
import { configmaps } from '../src/registry/kinds/core/configmaps';
import { persistentvolumeclaims } from '../src/registry/kinds/core/persistentvolumeclaims';
import { pods } from '../src/registry/kinds/core/pods';
import { resourcequotas } from '../src/registry/kinds/core/resourcequotas';
import { services } from '../src/registry/kinds/core/services';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { StoreTable } from '../src/registry/store-table';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One replica's stores and ResourceQuota plugin over the shared storage. */
interface Replica {
  table: StoreTable;
  cms: GenericStore;
  quotas: GenericStore;
  svcs: GenericStore;
}

function replica(opened: OpenedStorage): Replica {
  const admission = new AdmissionChain();
  const deps = {
    storage: opened.storage,
    backend: opened.backend,
    prefix: opened.prefix,
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    security: newSecurityServices(),
    admission,
  };
  const table = new StoreTable();
  for (const def of [configmaps, resourcequotas, services, pods, persistentvolumeclaims])
    table.add(makeStore(def, deps));
  const pluginDeps: Pick<AdmissionDeps, 'table' | 'storage' | 'backend' | 'prefix' | 'log'> & {
    opts: Pick<AdmissionDeps['opts'], 'admissionControlConfigFile'>;
  } = {
    table,
    opts: { admissionControlConfigFile: '' },
    storage: opened.storage,
    backend: opened.backend,
    prefix: opened.prefix,
    log: () => undefined,
  };
  admission.setPlugins([resourceQuota(pluginDeps as unknown as AdmissionDeps)]);
  const get = (r: string): GenericStore => table.store('', 'v1', r) as GenericStore;
  return { table, cms: get('configmaps'), quotas: get('resourcequotas'), svcs: get('services') };
}

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { a: 'b' },
});

async function used(r: Replica, ns: string, name: string): Promise<Record<string, string> | undefined> {
  const q = await r.quotas.get(ns, name);
  return (q.status as { used?: Record<string, string> } | undefined)?.used;
}

async function waitForUsed(r: Replica, ns: string, name: string, want: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const u = await used(r, ns, name);
    if (JSON.stringify(u) === JSON.stringify(want)) return;
    if (Date.now() > deadline)
      assert.fail(`quota ${ns}/${name} used ${JSON.stringify(u)}, want ${JSON.stringify(want)}`);
    await sleep(50);
  }
}

async function makeQuota(r: Replica, ns: string, name: string, hard: Record<string, string>): Promise<void> {
  await r.quotas.create(
    ns,
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } },
    { user: alice },
  );
}

function forbidden(message: string): (e: unknown) => boolean {
  return (e: unknown) =>
    e instanceof StatusError && e.code === 403 && e.reason === 'Forbidden' && e.message === message;
}

describe('ResourceQuota admission over real stores, two replicas on one storage', () => {
  let dir: string;
  let opened: OpenedStorage;
  let a: Replica;
  let b: Replica;
  const stop = new AbortController();
  let controller: ResourceQuotaController;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-quota-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    a = replica(opened);
    b = replica(opened);
    controller = new ResourceQuotaController(a.table, { settleMs: 300, resyncMs: 60_000 });
    controller.start(stop.signal);
  });

  after(async () => {
    stop.abort();
    await controller?.stopped();
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the controller fills status; the create past hard is refused with upstream text', async () => {
    await a.cms.create('one', cm('existing'));
    await makeQuota(a, 'one', 'q', { configmaps: '3', pods: '2' });
    await waitForUsed(a, 'one', 'q', { configmaps: '1', pods: '0' });
    const q = await a.quotas.get('one', 'q');
    assert.deepEqual((q.status as { hard?: unknown }).hard, { configmaps: '3', pods: '2' });
    await a.cms.create('one', cm('c1'), { user: alice });
    await b.cms.create('one', cm('c2'), { user: alice });
    assert.deepEqual(await used(a, 'one', 'q'), { configmaps: '3', pods: '0' });
    await assert.rejects(
      b.cms.create('one', cm('c3'), { user: alice }),
      forbidden(
        'configmaps "c3" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
      ),
    );
    // the refused object is not stored
    await assert.rejects(a.cms.get('one', 'c3'), (e: unknown) => e instanceof StatusError && e.code === 404);
  });

  test('dry runs are judged but not charged', async () => {
    await makeQuota(a, 'dry', 'q', { 'count/configmaps': '1' });
    await waitForUsed(a, 'dry', 'q', { 'count/configmaps': '0' });
    await a.cms.create('dry', cm('d1'), { user: alice, dryRun: true });
    await a.cms.create('dry', cm('d2'), { user: alice, dryRun: true });
    assert.deepEqual(await used(a, 'dry', 'q'), { 'count/configmaps': '0' });
    await a.cms.create('dry', cm('real'), { user: alice });
    await assert.rejects(
      a.cms.create('dry', cm('d3'), { user: alice, dryRun: true }),
      forbidden(
        'configmaps "d3" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
      ),
    );
  });

  test('concurrent creates through both replicas never go past hard', async () => {
    await makeQuota(a, 'race', 'q', { 'count/configmaps': '7' });
    await waitForUsed(a, 'race', 'q', { 'count/configmaps': '0' });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).cms.create('race', cm(`c${i}`), { user: alice })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    assert.equal(ok, 7);
    for (const r of results) {
      if (r.status === 'rejected')
        assert.match((r.reason as Error).message, /exceeded quota: q, requested: count\/configmaps=1/);
    }
    assert.equal(((await a.cms.list('race', {})).items as KubeObject[]).length, 7);
    assert.deepEqual(await used(b, 'race', 'q'), { 'count/configmaps': '7' });
  });

  test('usage is released after a delete, once the controller recounts', async () => {
    await makeQuota(a, 'rel', 'q', { configmaps: '1' });
    await waitForUsed(a, 'rel', 'q', { configmaps: '0' });
    await a.cms.create('rel', cm('x'), { user: alice });
    await assert.rejects(a.cms.create('rel', cm('y'), { user: alice }), /exceeded quota/);
    await a.cms.delete('rel', 'x', { user: alice });
    await waitForUsed(a, 'rel', 'q', { configmaps: '0' });
    await b.cms.create('rel', cm('y'), { user: alice });
  });

  test('a charge the controller has not seen stored yet is not given away', async () => {
    await makeQuota(a, 'settle', 'q', { configmaps: '5' });
    await waitForUsed(a, 'settle', 'q', { configmaps: '0' });
    // what admission does before a store: charged, the object not written yet
    await a.quotas.updateWith(
      'settle',
      'q',
      (cur) => ({ ...cur, status: { ...(cur.status as object), used: { configmaps: '1' } } }),
      { statusOnly: true, systemWrite: true },
    );
    // a delete elsewhere in the namespace makes the controller recount while the object is in flight
    await a.cms.create('settle', cm('gone'));
    await a.cms.delete('settle', 'gone');
    await sleep(100);
    await a.cms.create('settle', cm('late'));
    await sleep(700);
    assert.deepEqual(await used(a, 'settle', 'q'), { configmaps: '1' });
  });

  test('status.hard follows a change of spec.hard, and the new names are counted', async () => {
    await makeQuota(a, 'grow', 'q', { configmaps: '1' });
    await waitForUsed(a, 'grow', 'q', { configmaps: '0' });
    await a.cms.create('grow', cm('one'), { user: alice });
    await a.quotas.updateWith(
      'grow',
      'q',
      (cur) => ({ ...cur, spec: { hard: { configmaps: '2', 'count/configmaps': '5' } } }),
      {
        user: alice,
      },
    );
    await waitForUsed(a, 'grow', 'q', { configmaps: '1', 'count/configmaps': '1' });
    const q = await a.quotas.get('grow', 'q');
    assert.deepEqual((q.status as { hard?: unknown }).hard, { configmaps: '2', 'count/configmaps': '5' });
    await b.cms.create('grow', cm('two'), { user: alice });
    assert.deepEqual(await used(a, 'grow', 'q'), { configmaps: '2', 'count/configmaps': '2' });
  });

  test('a pod that finished is no longer charged for compute once the controller recounts', async () => {
    await makeQuota(a, 'done', 'q', { pods: '1', 'count/pods': '5' });
    await waitForUsed(a, 'done', 'q', { 'count/pods': '0', pods: '0' });
    const pod = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const podStore = a.table.store('', 'v1', 'pods') as GenericStore;
    await podStore.create('done', pod('first'), { user: alice });
    await assert.rejects(
      podStore.create('done', pod('second'), { user: alice }),
      forbidden('pods "second" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1'),
    );
    await podStore.patchStatus('done', 'first', (cur) => ({
      ...cur,
      status: { ...(cur.status as object), phase: 'Succeeded' },
    }));
    // terminal pods still count as stored objects
    await waitForUsed(a, 'done', 'q', { 'count/pods': '1', pods: '0' });
    await podStore.create('done', pod('second'), { user: alice });
    assert.deepEqual(await used(a, 'done', 'q'), { 'count/pods': '2', pods: '1' });
  });

  test('a claim resize is charged by the storage it adds', async () => {
    await makeQuota(a, 'pvc', 'q', {
      'requests.storage': '10Gi',
      'gold.storageclass.storage.k8s.io/requests.storage': '6Gi',
    });
    await waitForUsed(a, 'pvc', 'q', {
      'gold.storageclass.storage.k8s.io/requests.storage': '0',
      'requests.storage': '0',
    });
    const claims = a.table.store('', 'v1', 'persistentvolumeclaims') as GenericStore;
    await claims.create(
      'pvc',
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: { storageClassName: 'gold', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '4Gi' } } },
      },
      { user: alice },
    );
    assert.deepEqual(await used(a, 'pvc', 'q'), {
      'gold.storageclass.storage.k8s.io/requests.storage': '4Gi',
      'requests.storage': '4Gi',
    });
    // only a bound claim may grow
    await claims.patchStatus('pvc', 'data', (cur) => ({
      ...cur,
      status: { phase: 'Bound', capacity: { storage: '4Gi' } },
    }));
    const resize = (size: string) =>
      claims.updateWith(
        'pvc',
        'data',
        (cur) => {
          const spec = cur.spec as { resources: { requests: Record<string, string> } };
          spec.resources.requests.storage = size;
          return cur;
        },
        { user: alice },
      );
    await resize('5Gi');
    assert.deepEqual(await used(b, 'pvc', 'q'), {
      'gold.storageclass.storage.k8s.io/requests.storage': '5Gi',
      'requests.storage': '5Gi',
    });
    await assert.rejects(
      resize('7Gi'),
      forbidden(
        'persistentvolumeclaims "data" is forbidden: exceeded quota: q, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: gold.storageclass.storage.k8s.io/requests.storage=5Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=6Gi',
      ),
    );
  });

  test('an update is charged by the usage it adds', async () => {
    await makeQuota(a, 'svc', 'q', { 'services.nodeports': '1', services: '2' });
    await waitForUsed(a, 'svc', 'q', { services: '0', 'services.nodeports': '0' });
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 81 },
        ],
      },
    };
    const created = await a.svcs.create('svc', svc, { user: alice });
    assert.deepEqual(await used(a, 'svc', 'q'), { services: '1', 'services.nodeports': '0' });
    const toNodePort = { ...created, spec: { ...(created.spec as object), type: 'NodePort' } };
    await assert.rejects(
      b.svcs.update('svc', 's', toNodePort, { user: alice }),
      forbidden(
        'services "s" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
      ),
    );
    assert.deepEqual(await used(a, 'svc', 'q'), { services: '1', 'services.nodeports': '0' });
  });
});
