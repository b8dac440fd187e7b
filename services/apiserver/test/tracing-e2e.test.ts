import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectlOk } from './helpers/kubectl';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { allow, startWebhookServer, type WebhookServer } from './helpers/webhook-server';

/** Serves a request from an in-process replica without tracing, then names the OpenTelemetry modules loaded. */
const UNTRACED_SCRIPT = `
const { startKapi } = require(process.argv[1]);
const https = require('node:https');
(async () => {
  const kapi = await startKapi({ args: ['--authorization-mode=AlwaysAllow', '--anonymous-auth=true'] });
  const status = await new Promise((resolve, reject) => {
    const req = https.get(kapi.server + '/api/v1/namespaces/default/configmaps', {
      ca: kapi.ca,
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
  });
  await kapi.stop();
  // prom-client requires the bare API package for exemplars; the SDK and the exporter must stay unloaded
  const loaded = Object.keys(require.cache).filter(
    (k) => k.includes('@opentelemetry') && !k.includes('@opentelemetry/api/'),
  );
  console.log(JSON.stringify({ status, loaded }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function configFile(dir: string, name: string, endpoint: string, rate: number): string {
  const p = path.join(dir, name);
  writeFileSync(
    p,
    `apiVersion: apiserver.config.k8s.io/v1beta1\nkind: TracingConfiguration\nendpoint: ${endpoint}\nsamplingRatePerMillion: ${rate}\n`,
  );
  return p;
}

function configMap(name: string, labels: Record<string, string> = {}): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { a: '1' } };
}

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span ${name}; spans: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReceivedSpan;
}

const ofTrace = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);

describe('tracing (real replicas exporting over OTLP gRPC to an in-process receiver)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-tracing-e2e-'));
  let always: OtlpReceiver;
  let never: OtlpReceiver;
  let unconfigured: OtlpReceiver;
  let hooks: WebhookServer;
  let sampled: ReplicaProcess;
  let parentOnly: ReplicaProcess;
  let off: ReplicaProcess;
  let client: ApiClient;
  let etcd: RunningEtcd;

  before(async () => {
    [always, never, unconfigured] = await Promise.all([startOtlpReceiver(), startOtlpReceiver(), startOtlpReceiver()]);
    // the fully sampled replica stores in a real etcd: its store spans are etcd requests
    etcd = await startEtcd();
    hooks = await startWebhookServer({
      '/label': (r) => allow(r, { patch: [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }] }),
    });
    // the replicas inherit it: spans are exported 100 ms after they end rather than 5 s
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    const startOff = async (): Promise<ReplicaProcess> => {
      // an exporter, were one made, would find the receiver through these
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://${unconfigured.endpoint}`;
      process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://${unconfigured.endpoint}`;
      try {
        return await startReplicaProcess();
      } finally {
        delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
        delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
      }
    };
    [sampled, parentOnly, off] = await Promise.all([
      startReplicaProcess({
        args: [
          `--tracing-config-file=${configFile(dir, 'all.yaml', always.endpoint, 1_000_000)}`,
          '--storage-backend=etcd3',
          `--etcd-servers=${etcd.endpoint}`,
        ],
      }),
      startReplicaProcess({ args: [`--tracing-config-file=${configFile(dir, 'none.yaml', never.endpoint, 0)}`] }),
      startOff(),
    ]);
    client = new ApiClient(sampled.kubeconfig);
    const hook = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'tracing-test' },
      webhooks: [
        {
          name: 'label.tracing.kapi.test',
          clientConfig: { url: hooks.url('/label'), caBundle: hooks.caBundle },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          objectSelector: { matchLabels: { hooked: 'yes' } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    };
    const res = await client.request(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      hook,
    );
    assert.equal(res.status, 201, res.body.toString());
    // the webhook is called once the replica's informer has seen its configuration
    for (let i = 0; !hooks.received.get('/label')?.length; i++) {
      assert.ok(i < 100, 'the webhook was never called');
      await client.request(
        'POST',
        '/api/v1/namespaces/default/configmaps',
        configMap(`warmup-${i}`, { hooked: 'yes' }),
      );
      await sleep(100);
    }
  });

  after(async () => {
    client?.close();
    await Promise.all([sampled?.cleanup(), parentOnly?.cleanup(), off?.cleanup()]);
    await etcd?.stop();
    await Promise.all([always?.close(), never?.close(), unconfigured?.close(), hooks?.close()]);
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    rmSync(dir, { recursive: true, force: true });
  });

  it("continues the client's trace: HTTP span, then authn, authz, handler, admission, storage and etcd spans", async () => {
    const traceId = hex(16);
    const clientSpan = hex(8);
    const res = await client.request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      configMap('traced', { hooked: 'yes' }),
      {
        traceparent: `00-${traceId}-${clientSpan}-01`,
      },
    );
    assert.equal(res.status, 201, res.body.toString());
    const spans = ofTrace(traceId)(
      await always.waitFor((all) =>
        ofTrace(traceId)(all).some((s) => s.name === 'POST /api/v1/namespaces/{:namespace}/configmaps'),
      ),
    );
    const server = only(spans, 'POST /api/v1/namespaces/{:namespace}/configmaps');
    assert.equal(server.kind, 'SPAN_KIND_SERVER');
    assert.equal(server.parentSpanId, clientSpan);
    assert.equal(server.attributes['http.method'], 'POST');
    assert.equal(server.attributes['http.status_code'], 201);
    assert.equal(server.attributes['audit-id'], res.headers['audit-id']);
    assert.equal(server.resource['service.name'], 'apiserver');
    for (const name of ['authentication', 'authorization', 'Create'])
      assert.equal(only(spans, name).parentSpanId, server.spanId, name);
    const create = only(spans, 'Create');
    const admit = only(spans, 'Admit');
    assert.equal(admit.parentSpanId, create.spanId);
    assert.equal(admit.attributes['admission.type'], 'mutating');
    assert.equal(only(spans, 'Validate').parentSpanId, create.spanId);
    const stored = only(spans, 'Create etcd3');
    assert.equal(stored.parentSpanId, create.spanId);
    assert.equal(stored.attributes.key, '/registry/configmaps/default/traced');
    const txn = spans.filter((s) => s.name === 'etcdserverpb.KV/Txn' && s.parentSpanId === stored.spanId);
    assert.ok(txn.length >= 1, 'the write reached etcd under Create etcd3');
    assert.equal(txn[0]?.attributes['rpc.system'], 'grpc');
    assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'span ids are unique');

    // the webhook was called within the trace, from the mutating admission span
    const seen = (hooks.headers.get('/label') ?? []).map((h) => String(h.traceparent ?? ''));
    const sent = seen.find((tp) => tp.includes(traceId));
    assert.ok(sent, `the webhook got no traceparent of trace ${traceId}: ${seen.join(' ')}`);
    assert.match(sent, new RegExp(`^00-${traceId}-${admit.spanId}-01$`));
  });

  it('traces kubectl requests too (sampled by the rate), with the list handler and cache read', async () => {
    await kubectlOk(sampled.kubeconfig, ['get', 'configmaps', '-n', 'default']);
    const isKubectlList = (s: ReceivedSpan): boolean =>
      s.name === 'GET /api/v1/namespaces/{:namespace}/configmaps' &&
      String(s.attributes['http.user_agent']).startsWith('kubectl');
    const all = await always.waitFor((spans) => spans.some(isKubectlList));
    const server = all.find(isKubectlList) as ReceivedSpan;
    assert.equal(server.parentSpanId, '', 'no client parent: a root span');
    const spans = ofTrace(server.traceId)(all);
    const list = only(spans, 'List');
    assert.equal(list.parentSpanId, server.spanId);
    assert.equal(only(spans, 'cacher.GetList').parentSpanId, list.spanId);
  });

  it('with sampling rate 0 traces only requests whose parent is sampled', async () => {
    const c = new ApiClient(parentOnly.kubeconfig);
    try {
      const unsampled = hex(16);
      const chosen = hex(16);
      assert.equal((await c.request('GET', '/api/v1/namespaces/default/configmaps')).status, 200);
      const r = await c.request('GET', '/api/v1/namespaces/default/configmaps', undefined, {
        traceparent: `00-${unsampled}-${hex(8)}-00`,
      });
      assert.equal(r.status, 200);
      await c.request('GET', '/api/v1/namespaces/default/configmaps', undefined, {
        traceparent: `00-${chosen}-${hex(8)}-01`,
      });
      await never.waitFor((spans) => spans.some((s) => s.traceId === chosen && s.kind === 'SPAN_KIND_SERVER'));
      // spans of the earlier requests would have ended, and been batched, first
      await sleep(300);
      assert.deepEqual([...new Set(never.spans.map((s) => s.traceId))], [chosen]);
    } finally {
      c.close();
    }
  });

  it('refuses to start with an invalid tracing config, in upstream words', async () => {
    const bad = configFile(dir, 'bad.yaml', 'localhost:4317', 2_000_000);
    await assert.rejects(startReplicaProcess({ args: [`--tracing-config-file=${bad}`] }), (e: Error) => {
      assert.match(e.message, /replica exited with 1/);
      assert.ok(
        e.message.includes(
          'kapi: failed to start: failed to validate tracing configuration: samplingRatePerMillion: Invalid value: 2000000: sampling rate per million must be less than or equal to one million',
        ),
        e.message,
      );
      return true;
    });
  });

  it('without a tracing config exports nothing and starts no exporter', async () => {
    const c = new ApiClient(off.kubeconfig);
    try {
      for (let i = 0; i < 3; i++) {
        const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', configMap(`off-${i}`), {
          traceparent: `00-${hex(16)}-${hex(8)}-01`,
        });
        assert.equal(r.status, 201);
      }
      // an exporter would have sent within its 100 ms batch delay
      await sleep(600);
      assert.equal(unconfigured.exports, 0);
      assert.doesNotMatch(off.output(), /tracing|otlp/i);
      // nor is any of OpenTelemetry loaded by a replica that does not trace
      const script = path.join(REPO_ROOT, 'dist/services/apiserver/src/testing/start-kapi.js');
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', UNTRACED_SCRIPT, script], { timeout: 20_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
      assert.deepEqual(JSON.parse(out.trim().split('\n').pop() ?? '{}'), { status: 200, loaded: [] });
    } finally {
      c.close();
    }
  });
});
