import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from './authn-helpers';
import { ApiClient } from './helpers/client';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { startWebhookServer, type RawAnswer, type ReceivedReview, type WebhookServer } from './helpers/webhook-server';

const CASES = 300;
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');
const review = (response: unknown, apiVersion = 'admission.k8s.io/v1', kind = 'AdmissionReview'): string =>
  JSON.stringify({ apiVersion, kind, response });

/** Hostile or broken webhook answers, one per case. */
function answers(r: ReceivedReview, rnd: () => number): RawAnswer[] {
  const uid = r.request.uid;
  const patch = (ops: unknown): RawAnswer => ({
    body: review({ uid, allowed: true, patchType: 'JSONPatch', patch: b64(ops) }),
  });
  return [
    { body: 'not json at all {' },
    { body: '' },
    { body: '[]' },
    { body: 'null' },
    { body: review(null) },
    { body: review({ uid: 'someone-else', allowed: true }) },
    { body: review({ uid, allowed: true }, 'admission.k8s.io/v2') },
    { body: review({ uid, allowed: true }, 'admission.k8s.io/v1', 'Pod') },
    { body: review({ uid, allowed: false }) },
    { body: review({ uid, allowed: false, status: { code: 200, message: 'ok?' } }) },
    { body: review({ uid, allowed: false, status: { code: 99999, reason: 'Weird', details: 'x' } }) },
    { body: review({ uid, allowed: false, status: 'nope' }) },
    { body: review({ uid, allowed: 'yes' }) },
    { body: review({ uid, allowed: true, patch: b64([]) }) },
    { body: review({ uid, allowed: true, patchType: 'JSONPatch' }) },
    { body: review({ uid, allowed: true, patchType: 'MergePatch', patch: b64({ a: 1 }) }) },
    { body: review({ uid, allowed: true, patchType: 'JSONPatch', patch: '!!!not-base64' }) },
    patch('{"op":'),
    patch({ op: 'add' }),
    patch([{ op: 'explode', path: '/x' }]),
    patch([{ op: 'remove', path: '/does/not/exist' }]),
    patch([{ op: 'replace', path: '/kind', value: 'Secret' }]),
    patch([{ op: 'replace', path: '/metadata', value: 'a string' }]),
    patch([{ op: 'replace', path: '/metadata/name', value: 'renamed' }]),
    patch([{ op: 'add', path: '/data', value: { n: 5, nested: { deep: true } } }]),
    patch([{ op: 'add', path: '/data', value: { big: 'x'.repeat(2 * 1024 * 1024) } }]),
    patch(Array.from({ length: 20000 }, (_, i) => ({ op: 'add', path: `/metadata/labels/k${i}`, value: 'v' }))),
    patch([{ op: 'add', path: '/metadata/labels/ok', value: 'fuzz' }]),
    { status: 500, body: 'boom' },
    { status: 404, body: '' },
    { status: 302, body: '' },
    { status: 403, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', message: 'go away', code: 403 }) },
    { body: Buffer.alloc(9 * 1024 * 1024, 0x20) },
    { body: review({ uid, allowed: true, warnings: [1, 'w', null], auditAnnotations: { a: 5, b: 'x' } }) },
    { body: JSON.stringify({ response: { uid, allowed: true } }) },
    { body: JSON.stringify(Array.from({ length: 10 }, () => rnd())) },
  ];
}

describe('admission webhook responses fuzz (real replica)', () => {
  let replica: ReplicaProcess;
  let client: ApiClient;
  let hooks: WebhookServer;
  const rnd = seededRandom(11);
  let pick = 0;

  before(async () => {
    hooks = await startWebhookServer({
      '/fuzz': (r) => {
        const all = answers(r, rnd);
        return all[pick % all.length];
      },
    });
    replica = await startReplicaProcess();
    client = new ApiClient(replica.kubeconfig);
    const cfg = (kind: string, extra: Record<string, unknown>) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind,
      metadata: { name: `fuzz-${kind.toLowerCase()}` },
      webhooks: [
        {
          name: `${kind.startsWith('M') ? 'm' : 'v'}.fuzz.kapi.test`,
          clientConfig: { url: hooks.url('/fuzz'), caBundle: hooks.caBundle },
          rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          objectSelector: { matchLabels: { fuzz: kind } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 5,
          ...extra,
        },
      ],
    });
    await kubectlOk(replica.kubeconfig, ['apply', '-f', '-'], JSON.stringify(cfg('MutatingWebhookConfiguration', {})));
    await kubectlOk(
      replica.kubeconfig,
      ['apply', '-f', '-'],
      JSON.stringify(cfg('ValidatingWebhookConfiguration', { failurePolicy: 'Ignore' })),
    );
    await new Promise((r) => setTimeout(r, 1000));
  });
  after(async () => {
    await replica?.cleanup();
    await hooks?.close();
  });

  it(`${CASES} hostile answers: every refusal is a Status, the replica lives, stored objects stay whole`, async () => {
    const created: string[] = [];
    for (let i = 0; i < CASES; i++) {
      pick = Math.floor(rnd() * 1000);
      const kind = rnd() < 0.7 ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
      const name = `f${i}`;
      const res = await client.request('POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { fuzz: kind } },
        data: { a: 'b' },
      });
      const what = `case ${i} (answer ${pick}): ${res.status} ${res.body.toString('utf8').slice(0, 300)}`;
      if (res.status === 201) {
        created.push(res.json<{ metadata: { name: string } }>().metadata.name);
        continue;
      }
      assert.ok(res.status >= 400 && res.status < 600, what);
      const status = res.json<{ kind: string; apiVersion: string; status: string; code: number }>();
      assert.equal(status.kind, 'Status', what);
      assert.equal(status.status, 'Failure', what);
      assert.equal(status.code, res.status, what);
      assert.ok(
        res.status !== 500 || /failed calling webhook|Internal error occurred/.test(JSON.stringify(status)),
        what,
      );
    }
    assert.ok(created.length > 0 && created.length < CASES, `some writes pass, some fail (${created.length})`);
    const health = await client.request('GET', '/readyz');
    assert.equal(health.status, 200, 'the replica is alive');
    for (const name of created) {
      const got = await client.request('GET', `/api/v1/namespaces/default/configmaps/${name}`);
      assert.equal(got.status, 200, `${name}: ${got.body.toString('utf8').slice(0, 200)}`);
      const cm = got.json<{ kind: string; metadata: { name: string }; data?: Record<string, unknown> }>();
      assert.equal(cm.kind, 'ConfigMap');
      assert.equal(cm.metadata.name, name);
      for (const v of Object.values(cm.data ?? {}))
        assert.equal(typeof v, 'string', `${name}: data values are strings`);
    }
    const list = await client.request('GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(list.status, 200);
    assert.equal(replica.child.exitCode, null);
  });
});
