import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REQUEST_DURATION_BUCKETS } from '../src/metrics/buckets';
import { ApiClient } from './helpers/client';
import { parsePrometheusText, select, total, type Sample, type Scrape } from './helpers/prometheus-text';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const NS = 'metrics-e2e';
const ALICE = { 'impersonate-user': 'alice' };
const MONITOR = { 'impersonate-user': 'prometheus', 'impersonate-group': 'system:monitoring' };

/** apiserver_request_total's label values, in label order, without code. */
function requestKey(s: Sample): string {
  const l = s.labels;
  return [l.verb, l.dry_run, l.group, l.version, l.resource, l.subresource, l.scope, l.component, l.code].join(' ');
}

/** What each apiserver_request_total series grew by between two scrapes (unchanged ones left out). */
function requestDeltas(before: Scrape, after: Scrape): Map<string, number> {
  const was = new Map(select(before, 'apiserver_request_total').map((s) => [requestKey(s), s.value]));
  const out = new Map<string, number>();
  for (const s of select(after, 'apiserver_request_total')) {
    const d = s.value - (was.get(requestKey(s)) ?? 0);
    if (d !== 0) out.set(requestKey(s), d);
  }
  return out;
}

describe('/metrics on a real replica', () => {
  let replica: ReplicaProcess;
  let admin: ApiClient;

  const scrape = async (headers: Record<string, string> = {}): Promise<Scrape> => {
    const r = await admin.request('GET', '/metrics', undefined, headers);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(r.body.toString());
  };

  before(async () => {
    replica = await startReplicaProcess();
    admin = new ApiClient(replica.kubeconfig);
  });

  after(async () => {
    admin?.close();
    await replica?.cleanup();
  });

  test('after a scripted workload the counters equal the requests made', async () => {
    const base = await scrape();
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
    const expectStatus = async (p: Promise<{ status: number; body: Buffer }>, status: number) => {
      const r = await p;
      assert.equal(r.status, status, r.body.toString());
    };
    await expectStatus(admin.request('POST', '/api/v1/namespaces', { metadata: { name: NS } }), 201);
    for (let i = 0; i < 5; i++) {
      await expectStatus(admin.request('POST', `/api/v1/namespaces/${NS}/configmaps`, cm(`cm-${i}`)), 201);
    }
    for (let i = 0; i < 4; i++)
      await expectStatus(admin.request('GET', `/api/v1/namespaces/${NS}/configmaps/cm-${i}`), 200);
    for (let i = 0; i < 3; i++) await expectStatus(admin.request('GET', `/api/v1/namespaces/${NS}/configmaps`), 200);
    // a watch counts once it ends; while open it is a long-running request
    const watch = admin.request('GET', `/api/v1/namespaces/${NS}/configmaps?watch=true&timeoutSeconds=1`);
    await new Promise((r) => setTimeout(r, 300));
    const during = await scrape();
    const watchGauge = { verb: 'WATCH', resource: 'configmaps', scope: 'namespace' };
    assert.equal(total(during, 'apiserver_longrunning_requests', watchGauge), 1);
    await expectStatus(watch, 200);
    await expectStatus(admin.request('GET', `/api/v1/namespaces/${NS}/configmaps/missing`), 404);
    await expectStatus(admin.request('GET', `/api/v1/namespaces/${NS}/secrets`, undefined, ALICE), 403);
    await expectStatus(admin.request('POST', `/api/v1/namespaces/${NS}/configmaps?dryRun=All`, cm('dry')), 201);
    const end = await scrape();

    const key = (verb: string, dryRun: string, resource: string, scope: string, code: number) =>
      [verb, dryRun, '', 'v1', resource, '', scope, 'apiserver', String(code)].join(' ');
    assert.deepEqual(
      Object.fromEntries(requestDeltas(base, end)),
      Object.fromEntries([
        [key('POST', '', 'namespaces', 'resource', 201), 1],
        [key('POST', '', 'configmaps', 'resource', 201), 5],
        [key('GET', '', 'configmaps', 'resource', 200), 4],
        [key('LIST', '', 'configmaps', 'namespace', 200), 3],
        [key('WATCH', '', 'configmaps', 'namespace', 200), 1],
        [key('GET', '', 'configmaps', 'resource', 404), 1],
        [key('LIST', '', 'secrets', 'namespace', 403), 1],
        [key('POST', 'All', 'configmaps', 'resource', 201), 1],
      ]),
    );
    assert.equal(total(end, 'apiserver_longrunning_requests', watchGauge), 0);

    // the duration histogram: upstream's boundaries, cumulative, ending at the request count
    const created = { verb: 'POST', dry_run: '', resource: 'configmaps', scope: 'resource' };
    const buckets = select(end, 'apiserver_request_duration_seconds_bucket', created);
    assert.deepEqual(
      buckets.map((b) => b.labels.le),
      [...REQUEST_DURATION_BUCKETS.map((b) => String(b)), '+Inf'],
    );
    assert.equal(buckets.at(-1)?.value, 5);
    assert.equal(total(end, 'apiserver_request_duration_seconds_count', created), 5);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value);
    const sizes = select(end, 'apiserver_response_sizes_bucket', { verb: 'GET', resource: 'configmaps' });
    assert.deepEqual(
      sizes.map((b) => b.labels.le),
      ['1000', '10000', '100000', '1e+06', '1e+07', '1e+08', '1e+09', '+Inf'],
    );
    assert.equal(sizes.at(-1)?.value, 5, 'four found and one missing, all GETs');

    // the watch sent the five configmaps (and the namespace's root CA bundle, when it was there already)
    const events = total(end, 'apiserver_watch_events_total', { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.ok(events >= 5, `watch events ${events}`);
    assert.equal(total(end, 'apiserver_watch_events_sizes_count', { kind: 'ConfigMap' }), events);

    // every request authenticated, the three scrapes after the first included
    const attempts = (s: Scrape) => total(s, 'authentication_attempts', { result: 'success' });
    assert.equal(attempts(end) - attempts(base), 17 + 2);
    const admitted = (s: Scrape) =>
      total(s, 'apiserver_admission_step_admission_duration_seconds_count', {
        type: 'validate',
        operation: 'CREATE',
        rejected: 'false',
      });
    assert.ok(admitted(end) - admitted(base) >= 7);
    assert.ok(
      total(end, 'apiserver_admission_controller_admission_duration_seconds_count', {
        name: 'NamespaceLifecycle',
        operation: 'CREATE',
      }) >= 7,
    );
    const etcdCreates = (s: Scrape) =>
      total(s, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' });
    // the dry run never reaches storage
    assert.ok(etcdCreates(end) - etcdCreates(base) >= 5);
    assert.ok(total(end, 'apiserver_storage_objects', { resource: 'configmaps' }) >= 5);
    assert.ok(total(end, 'apiserver_storage_size_bytes', { storage_cluster_id: 'etcd-0' }) > 0);
    const received = (s: Scrape) => total(s, 'apiserver_watch_cache_events_received_total', { resource: 'configmaps' });
    // five creates (and the root CA bundle the controller adds to the new namespace)
    assert.ok(received(end) - received(base) >= 5);
    assert.ok(total(end, 'apiserver_watch_cache_events_dispatched_total', { resource: 'configmaps' }) >= 5);

    const types = end.types;
    for (const [name, type] of [
      ['apiserver_request_total', 'counter'],
      ['apiserver_request_duration_seconds', 'histogram'],
      ['apiserver_response_sizes', 'histogram'],
      ['apiserver_current_inflight_requests', 'gauge'],
      ['apiserver_longrunning_requests', 'gauge'],
      ['apiserver_storage_objects', 'gauge'],
      ['apiserver_storage_size_bytes', 'gauge'],
      ['etcd_request_duration_seconds', 'histogram'],
      ['apiserver_watch_events_total', 'counter'],
      ['apiserver_watch_events_sizes', 'histogram'],
      ['apiserver_admission_step_admission_duration_seconds', 'histogram'],
      ['apiserver_admission_controller_admission_duration_seconds', 'histogram'],
      ['apiserver_admission_webhook_admission_duration_seconds', 'histogram'],
      ['authentication_attempts', 'counter'],
      ['authentication_duration_seconds', 'histogram'],
      ['apiserver_authorization_decisions_total', 'counter'],
      ['apiserver_audit_event_total', 'counter'],
      ['apiserver_cache_list_total', 'counter'],
      ['apiserver_watch_cache_resource_version', 'gauge'],
      ['apiserver_watch_cache_events_received_total', 'counter'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
    ]) {
      assert.equal(types.get(name), type, name);
    }
    const inflight = select(end, 'apiserver_current_inflight_requests').map((s) => s.labels.request_kind);
    assert.deepEqual(inflight.sort(), ['mutating', 'readOnly']);
  });

  test('/metrics is guarded by RBAC: 403 for an unprivileged user, 200 for system:monitoring', async () => {
    const allowed = (s: Scrape) =>
      total(s, 'apiserver_authorization_decisions_total', { type: 'RBAC', name: 'rbac', decision: 'allowed' });
    const base = await scrape();
    const denied = await admin.request('GET', '/metrics', undefined, ALICE);
    assert.equal(denied.status, 403);
    assert.equal(denied.json<{ reason: string }>().reason, 'Forbidden');
    assert.match(denied.json<{ message: string }>().message, /User "alice" cannot get path "\/metrics"/);
    const monitor = await scrape(MONITOR);
    assert.ok(select(monitor, 'apiserver_request_total').length > 0);
    // RBAC allowed the monitoring user once; the refusal is RBAC's "no opinion", not a decision
    assert.equal(allowed(monitor) - allowed(base), 1);
  });

  test('requests in 1,000 namespaces add no series per namespace', async () => {
    const seriesCount = (s: Scrape) =>
      select(s, 'apiserver_request_total').length + select(s, 'apiserver_request_duration_seconds_count').length;
    const listed = { verb: 'LIST', resource: 'configmaps', scope: 'namespace', code: '200' };
    const base = await scrape();
    const namespaces = Array.from({ length: 1000 }, (_, i) => `card-${i}`);
    const pending = [...namespaces];
    const worker = async (): Promise<void> => {
      for (let i = pending.length - 1; i >= 0; i = pending.length - 1) {
        const ns = pending.pop()!;
        // half list the namespace, half ask for a missing object in it
        if (i % 2 === 0) assert.equal((await admin.request('GET', `/api/v1/namespaces/${ns}/configmaps`)).status, 200);
        else assert.equal((await admin.request('GET', `/api/v1/namespaces/${ns}/configmaps/${ns}-cm`)).status, 404);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const end = await scrape();
    assert.equal(total(end, 'apiserver_request_total', listed) - total(base, 'apiserver_request_total', listed), 500);
    assert.equal(seriesCount(end), seriesCount(base));
    for (const s of end.samples) {
      for (const v of Object.values(s.labels)) assert.ok(!v.includes('card-'), `${s.name} has a namespace label`);
    }
  });
});
