import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiClient, type ClientResponse } from './helpers/client';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { causes?: Array<{ field?: string; reason?: string }> };
}

function assertStatus(res: ClientResponse, code: number, reason: string, message?: RegExp): Status {
  assert.equal(res.status, code, res.body.toString());
  const s = res.json<Status>();
  assert.equal(s.kind, 'Status');
  assert.equal(s.apiVersion, 'v1');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  if (message) assert.match(s.message, message);
  assert.doesNotMatch(s.message, /\n\s+at /, 'no stack trace');
  return s;
}

const CM = '/api/v1/namespaces/default/configmaps';

describe('bad input gets a metav1.Status and leaves data untouched', () => {
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let before_: string;

  before(async () => {
    replica = await startReplicaProcess();
    c = new ApiClient(replica.kubeconfig);
    const r = await c.request('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'keep' },
      data: { k: 'v' },
    });
    assert.equal(r.status, 201);
    before_ = JSON.stringify((await c.request('GET', `${CM}/keep`)).json());
  });

  after(async () => {
    c?.close();
    await replica?.cleanup();
  });

  test('malformed JSON is 400', async () => {
    assertStatus(
      await c.request('POST', CM, '{"apiVersion": "v1", "kind": ', { 'content-type': 'application/json' }),
      400,
      'BadRequest',
    );
  });

  test('malformed YAML is 400', async () => {
    assertStatus(
      await c.request('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n', {
        'content-type': 'application/yaml',
      }),
      400,
      'BadRequest',
    );
  });

  test('wrong field types are 400 naming the field', async () => {
    const r = await c.request('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'typed', labels: 'nope' },
    });
    assertStatus(r, 400, 'BadRequest', /labels/);
    const r2 = await c.request('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'typed' },
      data: { a: 1 },
    });
    assertStatus(r2, 400, 'BadRequest', /data/);
  });

  test('unknown kind or apiVersion is 400', async () => {
    assertStatus(
      await c.request('POST', CM, { apiVersion: 'v1', kind: 'Bogus', metadata: { name: 'x' } }),
      400,
      'BadRequest',
      /kind/,
    );
    assertStatus(
      await c.request('POST', CM, { apiVersion: 'v9', kind: 'ConfigMap', metadata: { name: 'x' } }),
      400,
      'BadRequest',
      /v9/,
    );
    assertStatus(
      await c.request('POST', CM, { apiVersion: 'v1', kind: 42, metadata: { name: 'x' } }),
      400,
      'BadRequest',
      /kind/,
    );
  });

  test('a name that is not a DNS subdomain is 422 with the field path', async () => {
    const s = assertStatus(
      await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } }),
      422,
      'Invalid',
    );
    assert.equal(s.details?.causes?.[0]?.field, 'metadata.name');
    assert.equal(s.details?.causes?.[0]?.reason, 'FieldValueInvalid');
  });

  test('namespace or name in the body disagreeing with the URL is 400', async () => {
    assertStatus(
      await c.request('POST', CM, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'kube-system' },
      }),
      400,
      'BadRequest',
      /namespace/,
    );
    assertStatus(
      await c.request('PUT', `${CM}/keep`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }),
      400,
      'BadRequest',
      /name/,
    );
  });

  test('an unknown resource is 404', async () => {
    assertStatus(await c.request('GET', '/api/v1/namespaces/default/widgets'), 404, 'NotFound');
    assertStatus(await c.request('GET', '/apis/nope.example.com/v1/things'), 404, 'NotFound');
  });

  test('a namespaced create in a missing namespace is 404', async () => {
    const r = await c.request('POST', '/api/v1/namespaces/missing/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    assertStatus(r, 404, 'NotFound', /namespaces "missing" not found/);
  });

  test('a body over 3 MiB is 413', async () => {
    const big = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) },
    };
    assertStatus(await c.request('POST', CM, big), 413, 'RequestEntityTooLarge');
  });

  test('an object over the storage value limit is 413 before reaching storage', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'huge' },
      spec: { holderIdentity: 'x'.repeat(2 * 1024 * 1024) },
    };
    const s = assertStatus(
      await c.request('POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', lease),
      413,
      'RequestEntityTooLarge',
    );
    assert.match(s.message, /storage limit/);
    assert.equal((await c.request('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/huge')).status, 404);
  });

  test('an unsupported content type is 415 and an unsupported Accept is 406', async () => {
    assertStatus(await c.request('POST', CM, 'x', { 'content-type': 'text/plain' }), 415, 'UnsupportedMediaType');
    const r = await c.request('GET', `${CM}/keep`, undefined, { accept: 'text/html' });
    assertStatus(r, 406, 'NotAcceptable');
  });

  test('deeply nested and hostile bodies are 400, never a crash', async () => {
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `{"a":${deep}}`;
    assertStatus(
      await c.request('POST', CM, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":${deep}}`, {
        'content-type': 'application/json',
      }),
      400,
      'BadRequest',
    );
    assertStatus(
      await c.request('POST', CM, Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff]), {
        'content-type': 'application/vnd.kubernetes.protobuf',
      }),
      400,
      'BadRequest',
    );
    assertStatus(await c.request('POST', CM, '[1,2,3]', { 'content-type': 'application/json' }), 400, 'BadRequest');
    const proto = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p","__proto__":{"x":1}}}';
    assertStatus(
      await c.request('POST', `${CM}?fieldValidation=Strict`, proto, { 'content-type': 'application/json' }),
      400,
      'BadRequest',
      /unknown field/,
    );
  });

  test('the stored object is unchanged and the server is still healthy', async () => {
    assert.equal(JSON.stringify((await c.request('GET', `${CM}/keep`)).json()), before_);
    const list = (await c.request('GET', CM)).json<{ items: Array<{ metadata: { name: string } }> }>();
    // kube-root-ca.crt is the controller's, in every namespace
    assert.deepEqual(
      list.items.map((i) => i.metadata.name).filter((n) => n !== 'kube-root-ca.crt'),
      ['keep'],
    );
    assert.equal((await c.request('GET', '/readyz')).status, 200);
  });
});
