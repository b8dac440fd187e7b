import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const CM = '/api/v1/namespaces/default/configmaps';

describe('fieldValidation', () => {
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  before(async () => {
    replica = await startReplicaProcess();
    c = new ApiClient(replica.kubeconfig);
  });
  after(async () => {
    c?.close();
    await replica?.cleanup();
  });

  const withUnknown = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, bogus: 1 },
    data: { a: 'b' },
    extra: true,
  });

  test('Strict rejects every unknown field with 400 and stores nothing', async () => {
    const r = await c.request('POST', `${CM}?fieldValidation=Strict`, withUnknown('strict'));
    assert.equal(r.status, 400);
    const s = r.json<{ reason: string; message: string }>();
    assert.equal(s.reason, 'BadRequest');
    assert.match(s.message, /strict decoding error: /);
    assert.match(s.message, /unknown field "metadata.bogus"/);
    assert.match(s.message, /unknown field "extra"/);
    assert.equal((await c.request('GET', `${CM}/strict`)).status, 404);
  });

  test('Warn (the default) accepts and sends Warning headers', async () => {
    for (const q of ['', '?fieldValidation=Warn']) {
      const name = `warn${q ? '-explicit' : ''}`;
      const r = await c.request('POST', `${CM}${q}`, withUnknown(name));
      assert.equal(r.status, 201);
      const warning = ([] as string[]).concat(r.headers.warning ?? []).join('\n');
      assert.match(warning, /299 - "unknown field \\"metadata.bogus\\""/);
      assert.match(warning, /299 - "unknown field \\"extra\\""/);
    }
  });

  test('Ignore accepts silently', async () => {
    const r = await c.request('POST', `${CM}?fieldValidation=Ignore`, withUnknown('ignore'));
    assert.equal(r.status, 201);
    assert.equal(r.headers.warning, undefined);
  });

  test('duplicate fields in JSON and YAML are reported', async () => {
    const json = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","labels":{"a":"1","a":"2"}}}';
    const r = await c.request('POST', `${CM}?fieldValidation=Strict`, json, { 'content-type': 'application/json' });
    assert.equal(r.status, 400);
    assert.match(r.json<{ message: string }>().message, /duplicate field "metadata.labels.a"/);
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dupy\ndata:\n  k: a\n  k: b\n';
    const y = await c.request('POST', `${CM}?fieldValidation=Strict`, yaml, { 'content-type': 'application/yaml' });
    assert.equal(y.status, 400);
    assert.match(y.json<{ message: string }>().message, /duplicate field "data.k"/);
    const w = await c.request('POST', CM, yaml, { 'content-type': 'application/yaml' });
    assert.equal(w.status, 201);
    assert.match(String(w.headers.warning), /duplicate field/);
  });

  test('patches are validated too', async () => {
    const r = await c.request(
      'PATCH',
      `${CM}/ignore?fieldValidation=Strict`,
      { data: { x: 'y' }, nope: 1 },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 400);
    assert.match(r.json<{ message: string }>().message, /unknown field "nope"/);
    const ok = await c.request(
      'PATCH',
      `${CM}/ignore`,
      { data: { x: 'y' }, nope: 1 },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers.warning), /unknown field \\"nope\\"/);
  });

  test('kubectl (Strict by default) refuses an unknown field', async () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kstrict\n  namespace: default\nbogusTop: 1\n';
    const r = await kubectl(replica?.kubeconfig ?? '', ['apply', '-f', '-'], doc);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "bogusTop"/);
  });
});
