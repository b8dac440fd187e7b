import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { allow, deny, startWebhookServer, type ReceivedReview, type WebhookServer } from './helpers/webhook-server';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function configMap(name: string, ns: string, labels: Record<string, string>, data: Record<string, string> = {}) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
}

const cmRule = [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];

describe('admission webhooks (real kubectl, real replica, HTTPS webhooks on loopback)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let client: ApiClient;
  let hooks: WebhookServer;
  let downPort: number;
  const reinvokeCalls: Array<Record<string, string>> = [];

  before(async () => {
    hooks = await startWebhookServer({
      '/add-label': (r) =>
        allow(r, {
          patch: r.request.object?.metadata?.labels
            ? [{ op: 'add', path: '/metadata/labels/mutated', value: 'by-webhook' }]
            : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'by-webhook' } }],
          auditAnnotations: { seen: 'yes' },
        }),
      '/deny-forbidden': (r) =>
        r.request.object?.data && 'forbidden' in r.request.object.data
          ? deny(r, { code: 403, message: 'key "forbidden" is not allowed' }, ['checked by deny-forbidden'])
          : allow(r, { warnings: ['checked by deny-forbidden'] }),
      '/deny-all': (r) => deny(r, { code: 403, message: 'conditions matched' }),
      '/slow': (r) => ({ ...allow(r), delayMs: 2500 }),
      // reinvocation: a adds a=1 (and records what it saw), b adds b=1 once
      '/reinvoke-a': (r) => {
        const labels = r.request.object?.metadata?.labels ?? {};
        reinvokeCalls.push({ ...labels });
        return allow(r, labels.a ? {} : { patch: [{ op: 'add', path: '/metadata/labels/a', value: '1' }] });
      },
      '/reinvoke-b': (r) => {
        const labels = r.request.object?.metadata?.labels ?? {};
        return allow(r, labels.b ? {} : { patch: [{ op: 'add', path: '/metadata/labels/b', value: '1' }] });
      },
    });
    downPort = await closedPort();
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
    client = new ApiClient(kc);
    await kubectlOk(kc, ['create', 'ns', 'hooked']);
    await kubectlOk(kc, ['label', 'ns', 'hooked', 'webhooks=enabled']);
    await kubectlOk(kc, ['create', 'ns', 'plain']);
    const selectorHook = (name: string, path: string, value: string, extra: Record<string, unknown> = {}) => ({
      name,
      clientConfig: { url: hooks.url(path), caBundle: hooks.caBundle },
      rules: cmRule,
      objectSelector: { matchLabels: { test: value } },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      ...extra,
    });
    const mutating = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'a-kapi-test' },
      webhooks: [
        selectorHook('label.kapi.test', '/add-label', 'mutate'),
        selectorHook('reinvoke-a.kapi.test', '/reinvoke-a', 'reinvoke', { reinvocationPolicy: 'IfNeeded' }),
      ],
    };
    const mutatingLater = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'b-kapi-test' },
      webhooks: [selectorHook('reinvoke-b.kapi.test', '/reinvoke-b', 'reinvoke')],
    };
    const downUrl = `https://127.0.0.1:${downPort}/down`;
    const validating = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'kapi-test' },
      webhooks: [
        {
          ...selectorHook('deny.kapi.test', '/deny-forbidden', 'validate'),
          objectSelector: {},
          namespaceSelector: { matchLabels: { webhooks: 'enabled' } },
        },
        { ...selectorHook('down-fail.kapi.test', '/down', 'down-fail'), clientConfig: { url: downUrl } },
        {
          ...selectorHook('down-ignore.kapi.test', '/down', 'down-ignore', { failurePolicy: 'Ignore' }),
          clientConfig: { url: downUrl },
        },
        selectorHook('slow.kapi.test', '/slow', 'slow', { timeoutSeconds: 1 }),
        selectorHook('cond.kapi.test', '/deny-all', 'cond', {
          matchConditions: [
            { name: 'named-cond', expression: "object.metadata.name.startsWith('cond-')" },
            { name: 'creates', expression: "request.operation == 'CREATE'" },
          ],
        }),
        selectorHook('condfail.kapi.test', '/deny-all', 'condfail', {
          matchConditions: [{ name: 'broken', expression: "object.data.missing == 'x'" }],
        }),
      ],
    };
    for (const cfg of [mutating, mutatingLater, validating]) {
      await kubectlOk(kc, ['apply', '-f', '-'], JSON.stringify(cfg));
    }
    // the plugins' informers see the configurations shortly after they are written
    await sleep(1000);
  });
  after(async () => {
    await replica?.cleanup();
    await hooks?.close();
  });

  const labelsOf = async (ns: string, name: string): Promise<Record<string, string>> => {
    const cm = JSON.parse(await kubectlOk(kc, ['get', 'cm', name, '-n', ns, '-o', 'json'])) as {
      metadata: { labels?: Record<string, string> };
    };
    return cm.metadata.labels ?? {};
  };

  it('a mutating webhook adds a label the stored object keeps; the review names the request', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], configMap('m1', 'plain', { test: 'mutate' }));
    assert.deepEqual(await labelsOf('plain', 'm1'), { test: 'mutate', mutated: 'by-webhook' });
    const seen = hooks.received.get('/add-label') ?? [];
    const review = seen.find((r) => r.request.name === 'm1') as ReceivedReview;
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.kind, 'AdmissionReview');
    assert.equal(review.request.operation, 'CREATE');
    assert.equal(review.request.namespace, 'plain');
    assert.deepEqual(review.request.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(review.request.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.deepEqual(review.request.requestKind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.equal(review.request.dryRun, false);
    assert.ok(review.request.userInfo.username, 'the user is named');
    assert.match(review.request.uid, /^[0-9a-f-]{36}$/);
    // an update passes through the webhook too, with the old object
    await kubectlOk(kc, ['label', 'cm', 'm1', '-n', 'plain', 'extra=1']);
    const update = (hooks.received.get('/add-label') ?? []).at(-1) as ReceivedReview;
    assert.equal(update.request.operation, 'UPDATE');
    assert.ok(update.request.oldObject, 'oldObject is sent on UPDATE');
  });

  it('objectSelector: objects without the label are not sent', async () => {
    const before = (hooks.received.get('/add-label') ?? []).length;
    await kubectlOk(kc, ['apply', '-f', '-'], configMap('m2', 'plain', { test: 'other' }));
    assert.deepEqual(await labelsOf('plain', 'm2'), { test: 'other' });
    assert.equal((hooks.received.get('/add-label') ?? []).length, before);
  });

  // the webhook's status has a code but no reason: upstream keeps it so, and kubectl prints no reason
  it("a validating webhook's denial is upstream's text with the webhook's code; its warnings reach kubectl", async () => {
    const r = await kubectl(kc, ['apply', '-f', '-'], configMap('v1', 'hooked', { x: 'y' }, { forbidden: 'value' }));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server: error when creating "STDIN": admission webhook "deny\.kapi\.test" denied the request: key "forbidden" is not allowed/,
    );
    assert.match(r.stderr, /Warning: checked by deny-forbidden/);
    const missing = await kubectl(kc, ['get', 'cm', 'v1', '-n', 'hooked']);
    assert.notEqual(missing.code, 0, 'nothing was stored');
    // the raw Status
    const res = await client.request('POST', '/api/v1/namespaces/hooked/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'v2' },
      data: { forbidden: 'x' },
    });
    assert.equal(res.status, 403);
    const status = res.json<{ kind: string; code: number; message: string; reason?: string }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, undefined);
    assert.equal(status.code, 403);
    assert.equal(
      status.message,
      'admission webhook "deny.kapi.test" denied the request: key "forbidden" is not allowed',
    );
    // allowed objects pass, with the warning
    const ok = await kubectl(kc, ['apply', '-f', '-'], configMap('v3', 'hooked', {}, { fine: 'value' }));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Warning: checked by deny-forbidden/);
  });

  it('namespaceSelector: a namespace without the label is not judged', async () => {
    const r = await kubectl(kc, ['apply', '-f', '-'], configMap('v1', 'plain', {}, { forbidden: 'value' }));
    assert.equal(r.code, 0, r.stderr);
  });

  it('failurePolicy Fail: an unreachable webhook is a 500 InternalError; Ignore lets the write through', async () => {
    const r = await kubectl(kc, ['apply', '-f', '-'], configMap('f1', 'plain', { test: 'down-fail' }));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `Error from server \\(InternalError\\): error when creating "STDIN": Internal error occurred: failed calling webhook "down-fail\\.kapi\\.test": failed to call webhook: Post "https://127\\.0\\.0\\.1:${downPort}/down\\?timeout=10s": dial tcp 127\\.0\\.0\\.1:${downPort}: connect: connection refused`,
      ),
    );
    const res = await client.request('POST', '/api/v1/namespaces/plain/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'f2', labels: { test: 'down-fail' } },
    });
    assert.equal(res.status, 500);
    const status = res.json<{ reason: string; details: { causes: Array<{ message: string }> } }>();
    assert.equal(status.reason, 'InternalError');
    assert.match(status.details.causes[0].message, /^failed calling webhook "down-fail\.kapi\.test": /);
    const ok = await kubectl(kc, ['apply', '-f', '-'], configMap('i1', 'plain', { test: 'down-ignore' }));
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('timeoutSeconds: a webhook slower than its timeout fails the request', async () => {
    const t0 = Date.now();
    const r = await kubectl(kc, ['apply', '-f', '-'], configMap('t1', 'plain', { test: 'slow' }));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /failed calling webhook "slow\.kapi\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/,
    );
    assert.ok(Date.now() - t0 < 2400, 'the timeout, not the webhook, ended the call');
  });

  it('dryRun: webhooks with sideEffects None are called with dryRun true and nothing is stored', async () => {
    const out = await kubectlOk(
      kc,
      ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
      configMap('d1', 'plain', { test: 'mutate' }),
    );
    const obj = JSON.parse(out) as { metadata: { labels: Record<string, string> } };
    assert.equal(obj.metadata.labels.mutated, 'by-webhook', 'the dry run shows the mutation');
    const review = (hooks.received.get('/add-label') ?? []).find((r) => r.request.name === 'd1') as ReceivedReview;
    assert.equal(review.request.dryRun, true);
    assert.deepEqual(review.request.options, { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', dryRun: ['All'] });
    assert.notEqual((await kubectl(kc, ['get', 'cm', 'd1', '-n', 'plain'])).code, 0);
  });

  it('reinvocationPolicy IfNeeded: an earlier webhook runs again after a later one changed the object', async () => {
    reinvokeCalls.length = 0;
    await kubectlOk(kc, ['apply', '-f', '-'], configMap('r1', 'plain', { test: 'reinvoke' }));
    assert.deepEqual(await labelsOf('plain', 'r1'), { test: 'reinvoke', a: '1', b: '1' });
    assert.equal(reinvokeCalls.length, 2, 'a was called twice');
    assert.deepEqual(reinvokeCalls[1], { test: 'reinvoke', a: '1', b: '1' }, 'the second call saw b');
  });

  it('matchConditions: the webhook is called only when every condition holds; an error fails closed', async () => {
    const denied = await kubectl(kc, ['apply', '-f', '-'], configMap('cond-1', 'plain', { test: 'cond' }));
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /admission webhook "cond\.kapi\.test" denied the request: conditions matched/);
    const skipped = await kubectl(kc, ['apply', '-f', '-'], configMap('other-1', 'plain', { test: 'cond' }));
    assert.equal(skipped.code, 0, skipped.stderr);
    const broken = await kubectl(kc, ['apply', '-f', '-'], configMap('c2', 'plain', { test: 'condfail' }, { a: 'b' }));
    assert.notEqual(broken.code, 0);
    assert.match(
      broken.stderr,
      /\(InternalError\).*Internal error occurred: failed calling webhook "condfail\.kapi\.test": expression 'object\.data\.missing == 'x'' resulted in error: /,
    );
    assert.equal((hooks.received.get('/deny-all') ?? []).length, 1, 'only cond-1 reached the webhook');
  });

  it('webhook configurations themselves are never sent to webhooks', async () => {
    const count = [...hooks.received.values()].reduce((n, l) => n + l.length, 0);
    await kubectlOk(kc, ['label', 'validatingwebhookconfiguration', 'kapi-test', 'test=validate']);
    const after = [...hooks.received.values()].reduce((n, l) => n + l.length, 0);
    assert.equal(after, count);
  });
});
