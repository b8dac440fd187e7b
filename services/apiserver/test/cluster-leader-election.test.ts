import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { GenericStore } from '../src/registry/generic-store';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import { strategyFor } from '../src/registry/strategies';
import { ControllerManager } from '../src/controllers/controller-manager';
import { IdentityLeaseGC, replicaIdentity } from '../src/controllers/identity';
import { groupByPort } from '../src/controllers/endpoint-reconciler';
import type { LeaderController } from '../src/controllers/util';
import { microTimeNow } from '../src/controllers/util';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage } from '../src/storage/factory';
import type { Storage } from '../src/storage/interface';

// Leader election over an in-process lease store with short durations: one
// leader at a time, takeover after a crash or a partition, hand-over on release.

let dataDir: string;
let storage: Storage;
let leases: GenericStore;

/** A lease store that can be cut off from storage, as a partitioned replica would be. */
class PartitionableStore extends GenericStore {
  down = false;
  private check(): void {
    if (this.down) throw new Error('partitioned');
  }
  override async get(namespace: string, name: string): Promise<KubeObject> {
    this.check();
    return super.get(namespace, name);
  }
  override async create(namespace: string, obj: KubeObject): Promise<KubeObject> {
    this.check();
    return super.create(namespace, obj);
  }
  override async updateWith(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
  ): Promise<{ object: KubeObject; created: boolean }> {
    this.check();
    return super.updateWith(namespace, name, mutate);
  }
}

const leaseInfo = BUILTIN_RESOURCES.find((r) => r.group === 'coordination.k8s.io' && r.resource === 'leases');

function partitionable(): PartitionableStore {
  assert.ok(leaseInfo);
  const strategy = strategyFor('coordination.k8s.io', 'leases');
  assert.ok(strategy);
  return new PartitionableStore(leaseInfo, strategy, { storage, prefix: '/registry' });
}

/** A controller recording when it runs, to prove no two run at once. */
class Recorder implements LeaderController {
  readonly name = 'recorder';
  constructor(
    readonly id: string,
    readonly spans: Array<{ id: string; from: number; to?: number }>,
  ) {}
  private done: Promise<void> = Promise.resolve();
  start(signal: AbortSignal): void {
    const span: { id: string; from: number; to?: number } = { id: this.id, from: performance.now() };
    this.spans.push(span);
    this.done = new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        span.to = performance.now();
        resolve();
      }),
    );
  }
  stopped(): Promise<void> {
    return this.done;
  }
}

const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1200, retryPeriodMs: 200 };

interface Candidate {
  id: string;
  store: PartitionableStore;
  manager: ControllerManager;
}

function candidates(n: number, name: string, spans: Array<{ id: string; from: number; to?: number }>): Candidate[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `replica-${i}_${name}`;
    const store = partitionable();
    const manager = new ControllerManager({
      leases: store,
      identity: id,
      controllers: [new Recorder(id, spans)],
      leaseName: name,
      ...FAST,
    });
    return { id, store, manager };
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

async function lease(name: string): Promise<Record<string, unknown>> {
  return (await leases.get('kube-system', name)).spec as Record<string, unknown>;
}

function assertNoOverlap(spans: Array<{ id: string; from: number; to?: number }>): void {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const prevEnd = sorted[i - 1].to;
    assert.ok(prevEnd !== undefined && prevEnd <= sorted[i].from, 'two leaders ran controllers at once');
  }
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kapi-le-'));
  storage = (await openStorage({ backend: 'embedded', dataDir, compactionIntervalMs: 0 }, jsonStorageCodec)).storage;
  leases = partitionable();
});

after(async () => {
  await storage.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('one leader; a crashed leader is replaced after the lease expires; transitions counted', async () => {
  const spans: Array<{ id: string; from: number; to?: number }> = [];
  const cs = candidates(3, 'crash', spans);
  cs.forEach((c) => c.manager.start());
  const first = await waitFor(() => cs.find((c) => c.manager.isLeader()), 5000);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(cs.filter((c) => c.manager.isLeader()).length, 1);
  let spec = await lease('crash');
  assert.equal(spec.holderIdentity, first.id);
  assert.equal(spec.leaseDurationSeconds, 2);
  assert.equal(spec.leaseTransitions, 0);
  assert.match(String(spec.renewTime), /\.\d{6}Z$/);
  const acquired = spec.acquireTime;
  await new Promise((r) => setTimeout(r, 500));
  spec = await lease('crash');
  assert.equal(spec.acquireTime, acquired, 'renewals keep acquireTime');

  const crashedAt = performance.now();
  await first.manager.abandon();
  const second = await waitFor(() => cs.find((c) => c !== first && c.manager.isLeader()), 5000);
  const took = performance.now() - crashedAt;
  assert.ok(took >= 1500, `took over after ${took} ms, before the lease expired`);
  spec = await lease('crash');
  assert.equal(spec.holderIdentity, second.id);
  assert.equal(spec.leaseTransitions, 1);
  assert.notEqual(spec.acquireTime, acquired);
  await Promise.all(cs.map((c) => c.manager.stop()));
  assertNoOverlap(spans);
});

test('a partitioned leader stops its controllers before anyone else starts them', async () => {
  const spans: Array<{ id: string; from: number; to?: number }> = [];
  const cs = candidates(2, 'partition', spans);
  cs.forEach((c) => c.manager.start());
  const first = await waitFor(() => cs.find((c) => c.manager.isLeader()), 5000);
  first.store.down = true;
  const second = await waitFor(() => cs.find((c) => c !== first && c.manager.isLeader()), 6000);
  assert.equal(first.manager.isLeader(), false);
  assert.equal((await lease('partition')).leaseTransitions, 1);
  first.store.down = false;
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(second.manager.isLeader(), 'the healed replica does not steal a live lease');
  assert.equal(first.manager.isLeader(), false);
  await Promise.all(cs.map((c) => c.manager.stop()));
  assertNoOverlap(spans);
});

test('a leader that stops releases the lease and another takes over at once', async () => {
  const spans: Array<{ id: string; from: number; to?: number }> = [];
  const cs = candidates(2, 'release', spans);
  cs.forEach((c) => c.manager.start());
  const first = await waitFor(() => cs.find((c) => c.manager.isLeader()), 5000);
  const stoppedAt = performance.now();
  await first.manager.stop();
  const spec = await lease('release');
  assert.ok(spec.holderIdentity === '' || spec.holderIdentity === cs.find((c) => c !== first)?.id);
  await waitFor(() => cs.find((c) => c !== first && c.manager.isLeader()), 3000);
  assert.ok(performance.now() - stoppedAt < 1500, 'did not wait for the lease to expire');
  assert.equal((await lease('release')).leaseTransitions, 1);
  await Promise.all(cs.map((c) => c.manager.stop()));
  assertNoOverlap(spans);
});

test('expired identity leases are garbage collected, live ones kept', async () => {
  const labels = { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': 'h' };
  const old = new Date(Date.now() - 7200_000).toISOString().replace('Z', '000Z');
  await leases.create('kube-system', {
    metadata: { name: 'apiserver-stale', namespace: 'kube-system', labels },
    spec: { holderIdentity: 'apiserver-stale_x', leaseDurationSeconds: 3600, renewTime: old },
  });
  await leases.create('kube-system', {
    metadata: { name: 'apiserver-live', namespace: 'kube-system', labels },
    spec: { holderIdentity: 'apiserver-live_x', leaseDurationSeconds: 3600, renewTime: microTimeNow() },
  });
  await leases.create('kube-system', {
    metadata: { name: 'not-an-identity', namespace: 'kube-system' },
    spec: { holderIdentity: 'x', leaseDurationSeconds: 1, renewTime: old },
  });
  const removed = await new IdentityLeaseGC(leases, 3600_000).collect();
  assert.equal(removed, 1);
  await assert.rejects(leases.get('kube-system', 'apiserver-stale'));
  await leases.get('kube-system', 'apiserver-live');
  await leases.get('kube-system', 'not-an-identity');
});

test('identity names: upstream shape, distinct per replica on one host, stable across restarts', () => {
  const a = replicaIdentity({ hostname: 'node-1', advertiseAddress: '10.0.0.1', port: 6443 });
  const b = replicaIdentity({ hostname: 'node-1', advertiseAddress: '10.0.0.1', port: 6444 });
  const a2 = replicaIdentity({ hostname: 'node-1', advertiseAddress: '10.0.0.1', port: 6443 });
  assert.match(a.leaseName, /^apiserver-[a-z2-7]{26}$/);
  assert.notEqual(a.leaseName, b.leaseName);
  assert.equal(a.leaseName, a2.leaseName);
  assert.notEqual(a.holderIdentity, a2.holderIdentity);
  assert.ok(a.holderIdentity.startsWith(`${a.leaseName}_`));
});

test('endpoints group replicas by port, addresses sorted', () => {
  assert.deepEqual(
    groupByPort([
      { ip: '10.0.0.3', port: 6443 },
      { ip: '10.0.0.1', port: 6443 },
      { ip: '10.0.0.1', port: 7443 },
      { ip: '10.0.0.1', port: 6443 },
    ]),
    [
      { port: 6443, ips: ['10.0.0.1', '10.0.0.3'] },
      { port: 7443, ips: ['10.0.0.1'] },
    ],
  );
});
