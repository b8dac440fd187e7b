import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import { admissionForbidden, newRecorder, type AdmissionAttributes } from '../src/admission/interface';
import { runValidatingWebhooks } from '../src/admission/webhook/validate';
import { parseRequestInfo } from '../src/endpoints/request-info';
import type { ApiResponse, StreamSink } from '../src/endpoints/types';
import { admissionObserver, webhookObserver } from '../src/metrics/admission-metrics';
import { ReplicaMetrics } from '../src/metrics/replica-metrics';
import { RequestRecorder } from '../src/metrics/request-recorder';
import type { RequestContext } from '../src/server/filters/types';
import { StoreTable } from '../src/registry/store-table';
import { parsePrometheusText, total, type Scrape } from './helpers/prometheus-text';

const scrape = async (m: ReplicaMetrics): Promise<Scrape> => parsePrometheusText(await m.render());

function attrs(): AdmissionAttributes {
  return {
    operation: 'CREATE',
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    subresource: '',
    namespace: 'default',
    name: 'x',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    userInfo: { name: 'alice', groups: [] },
    dryRun: false,
    recorder: newRecorder(),
  };
}

function ctxFor(method: string, url: string): RequestContext {
  const u = new URL(url, 'https://x');
  return {
    req: { method, path: u.pathname, query: u.searchParams, headers: {} },
    info: parseRequestInfo(method, u.pathname, u.searchParams),
    peerCertificates: [],
    transport: { http2: false, goaway: () => undefined },
  };
}

describe('metric recorders', () => {
  test('two replicas in one process keep their own registries', async () => {
    const a = new ReplicaMetrics();
    const b = new ReplicaMetrics();
    a.observeAuditEvent('Metadata');
    assert.equal(total(await scrape(a), 'apiserver_audit_event_total'), 1);
    assert.equal(total(await scrape(a), 'apiserver_audit_level_total', { level: 'Metadata' }), 1);
    assert.equal(total(await scrape(b), 'apiserver_audit_event_total'), 0);
  });

  test('admission: each phase and each plugin that handles the operation, refusals marked', async () => {
    const m = new ReplicaMetrics();
    const chain = new AdmissionChain();
    chain.setPlugins([
      { name: 'Mutator', synced: Promise.resolve(), handles: () => true, admit: () => undefined },
      { name: 'DeleteOnly', synced: Promise.resolve(), handles: (op) => op === 'DELETE', admit: () => undefined },
      {
        name: 'Refuser',
        synced: Promise.resolve(),
        handles: () => true,
        validate: (a) => {
          throw admissionForbidden(a, 'no');
        },
      },
    ]);
    chain.setObserver(admissionObserver(m));
    await chain.admit(attrs());
    await assert.rejects(chain.validate(attrs()));
    const s = await scrape(m);
    const step = 'apiserver_admission_step_admission_duration_seconds_count';
    const controller = 'apiserver_admission_controller_admission_duration_seconds_count';
    assert.equal(total(s, step, { type: 'admit', operation: 'CREATE', rejected: 'false' }), 1);
    assert.equal(total(s, step, { type: 'validate', operation: 'CREATE', rejected: 'true' }), 1);
    assert.equal(total(s, controller, { name: 'Mutator', type: 'admit', rejected: 'false' }), 1);
    assert.equal(total(s, controller, { name: 'DeleteOnly' }), 0);
    assert.equal(total(s, controller, { name: 'Refuser', type: 'validate', rejected: 'true' }), 1);
  });

  test('webhooks: a call that fails open is not a refusal, one that fails closed is', async () => {
    const m = new ReplicaMetrics();
    const hook = (failurePolicy: string) => ({
      configuration: 'c',
      uid: `c/0/${failurePolicy}`,
      index: 0,
      hook: {
        name: `${failurePolicy.toLowerCase()}.kapi.test`,
        clientConfig: { url: 'https://127.0.0.1:1/never' },
        rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy,
      },
    });
    const deps = { table: new StoreTable(), log: () => undefined, observe: webhookObserver(m) };
    await runValidatingWebhooks([hook('Ignore')], attrs(), deps);
    await assert.rejects(runValidatingWebhooks([hook('Fail')], attrs(), deps));
    const s = await scrape(m);
    const requests = 'apiserver_admission_webhook_request_total';
    assert.equal(total(s, requests, { name: 'ignore.kapi.test', type: 'validating', rejected: 'false', code: '0' }), 1);
    assert.equal(total(s, requests, { name: 'fail.kapi.test', type: 'validating', rejected: 'true' }), 1);
    assert.equal(
      total(s, 'apiserver_admission_webhook_admission_duration_seconds_count', { name: 'fail.kapi.test' }),
      1,
    );
  });

  test('a watch is long-running while open and counted once it ends, with its events', async () => {
    const m = new ReplicaMetrics();
    const recorder = new RequestRecorder(m, () => ({ kind: 'ConfigMap', subresources: [] }));
    const stream: ApiResponse = {
      kind: 'stream',
      status: 200,
      headers: {},
      start: (sink) => {
        sink.write(Buffer.alloc(100));
        sink.write(Buffer.alloc(3000));
      },
    };
    const handler = recorder.filter()(async () => stream);
    const res = await handler(ctxFor('GET', '/api/v1/namespaces/a/configmaps?watch=true'));
    assert.equal(res.kind, 'stream');
    const closers: Array<() => void> = [];
    const sink: StreamSink = {
      write: () => true,
      drained: async () => true,
      end: () => undefined,
      abort: () => undefined,
      onClose: (cb) => closers.push(cb),
    };
    if (res.kind === 'stream') res.start(sink);
    const open = await scrape(m);
    assert.equal(total(open, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'configmaps' }), 1);
    assert.equal(total(open, 'apiserver_request_total'), 0);
    assert.equal(total(open, 'apiserver_current_inflight_requests'), 0, 'watches are not in flight');
    for (const c of closers) c();
    const closed = await scrape(m);
    assert.equal(total(closed, 'apiserver_longrunning_requests', { verb: 'WATCH' }), 0);
    assert.equal(
      total(closed, 'apiserver_request_total', {
        verb: 'WATCH',
        scope: 'namespace',
        code: '200',
        resource: 'configmaps',
      }),
      1,
    );
    assert.equal(total(closed, 'apiserver_watch_events_total', { kind: 'ConfigMap', version: 'v1' }), 2);
    assert.equal(total(closed, 'apiserver_watch_events_sizes_bucket', { kind: 'ConfigMap', le: '1024' }), 1);
    assert.equal(total(closed, 'apiserver_watch_events_sizes_bucket', { kind: 'ConfigMap', le: '4096' }), 2);
  });

  test('a handler that throws is counted as a 500 and leaves nothing in flight', async () => {
    const m = new ReplicaMetrics();
    const recorder = new RequestRecorder(m, () => ({ kind: 'ConfigMap', subresources: [] }));
    const handler = recorder.filter()(async () => {
      throw new Error('boom');
    });
    await assert.rejects(handler(ctxFor('POST', '/api/v1/namespaces/a/configmaps')));
    const s = await scrape(m);
    assert.equal(total(s, 'apiserver_request_total', { verb: 'POST', code: '500' }), 1);
    assert.equal(total(s, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }), 1, 'the last second');
  });
});
