/**
 * Big and hostile request bodies against a real replica: a ConfigMap of 200,000 keys must not
 * stall other clients, map keys named after Object.prototype members are ordinary keys in every
 * encoding and verb, and JSON nested past Go's 10,000 levels is a clear 400.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { ApiClient, type ClientResponse } from './helpers/client';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const NS = '/api/v1/namespaces/default/configmaps';
const JSON_CT = { 'content-type': 'application/json' };
/** kube-apiserver's (and etcd's) 1.5 MiB value limit caps how many keys a stored ConfigMap can have */
const STORABLE_KEYS = 50_000;
const HOSTILE_KEYS = 200_000;

let replica: ReplicaProcess;
let client: ApiClient;

before(async () => {
  replica = await startReplicaProcess();
  client = new ApiClient(replica.kubeconfig);
});

after(async () => {
  client.close();
  await replica.cleanup();
});

function keys(n: number): Record<string, string> {
  const data: Record<string, string> = {};
  for (let i = 0; i < n; i++) data[`k${i.toString(36)}`] = '';
  return data;
}

function configMap(name: string, data: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

function ok(res: ClientResponse, what: string, codes = [200, 201]): Record<string, unknown> {
  assert.ok(codes.includes(res.status), `${what}: ${res.status} ${res.body.toString().slice(0, 400)}`);
  return res.json();
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

/** Runs work while polling /healthz; the latencies of the polls made meanwhile. */
async function healthzDuring(work: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const start = performance.now();
      const res = await client.request('GET', '/healthz');
      latencies.push(performance.now() - start);
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await poll;
  }
  return latencies;
}

test('a ConfigMap with 50,000 keys: create, get, list, update, apply and protobuf read back equal', async () => {
  const data = keys(STORABLE_KEYS);
  const body = JSON.stringify(configMap('wide', data));
  let start = performance.now();
  const created = ok(await client.request('POST', NS, body, JSON_CT), 'create');
  const createMs = performance.now() - start;
  assert.deepEqual(created.data, data);

  const got = ok(await client.request('GET', `${NS}/wide`), 'get');
  assert.deepEqual(got.data, data);
  const listed = ok(await client.request('GET', `${NS}?fieldSelector=metadata.name=wide`), 'list');
  assert.deepEqual((listed.items as Array<Record<string, unknown>>)[0].data, data);
  const pb = await client.request('GET', `${NS}/wide`, undefined, { accept: 'application/vnd.kubernetes.protobuf' });
  assert.equal(pb.status, 200);
  assert.equal(pb.body.subarray(0, 4).toString('latin1'), 'k8s\0');

  const updatedData = { ...data, extra: 'x' };
  start = performance.now();
  const updated = ok(
    await client.request('PUT', `${NS}/wide`, JSON.stringify({ ...got, data: updatedData }), JSON_CT),
    'update',
  );
  const updateMs = performance.now() - start;
  assert.deepEqual(updated.data, updatedData);

  start = performance.now();
  const applied = ok(
    await client.request(
      'PATCH',
      `${NS}/wide-applied?fieldManager=probe`,
      JSON.stringify(configMap('wide-applied', data)),
      {
        'content-type': 'application/apply-patch+yaml',
      },
    ),
    'apply',
  );
  const applyMs = performance.now() - start;
  assert.deepEqual(applied.data, data);
  // re-applying the same configuration is a no-op that still answers the whole object
  const reapplied = ok(
    await client.request(
      'PATCH',
      `${NS}/wide-applied?fieldManager=probe`,
      JSON.stringify(configMap('wide-applied', data)),
      {
        'content-type': 'application/apply-patch+yaml',
      },
    ),
    'reapply',
  );
  assert.deepEqual(reapplied.data, data);
  assert.equal(
    (reapplied.metadata as Record<string, unknown>).resourceVersion,
    (applied.metadata as Record<string, unknown>).resourceVersion,
  );
  // generous bounds for noisy machines; the measured figures are in the log
  console.log(
    `50,000 keys: create ${createMs.toFixed(0)} ms, update ${updateMs.toFixed(0)} ms, apply ${applyMs.toFixed(0)} ms`,
  );
  assert.ok(createMs < 5000 && updateMs < 5000 && applyMs < 5000);
});

test('200,000-key ConfigMaps, four at once, leave /healthz responsive and are refused by the storage limit', async () => {
  const body = (name: string): string => JSON.stringify(configMap(name, keys(HOSTILE_KEYS)));
  // warm the code paths once so the figures measure the work, not the JIT
  const first = await client.request('POST', NS, body('huge-0'), JSON_CT);
  assert.equal(first.status, 413, first.body.toString().slice(0, 300));
  assert.equal(first.json().reason, 'RequestEntityTooLarge');

  let elapsed = 0;
  const latencies = await healthzDuring(async () => {
    const start = performance.now();
    const results = await Promise.all([1, 2, 3, 4].map((i) => client.request('POST', NS, body(`huge-${i}`), JSON_CT)));
    elapsed = performance.now() - start;
    for (const r of results) {
      assert.equal(r.status, 413, r.body.toString().slice(0, 300));
      assert.equal(r.json().kind, 'Status');
    }
  });
  console.log(
    `4 x 200,000 keys: ${elapsed.toFixed(0)} ms; /healthz n=${latencies.length} p99 ${p99(latencies).toFixed(0)} ms max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  assert.ok(latencies.length > 0);
  // Loose for shared CI machines: before the fixes the four took 16 s and /healthz waited 7.7 s.
  // Bodies over the storage limit are now decoded and checked in a worker thread, so the event
  // loop stays free (p99 about 12 ms in loadtest/harness/hostile.ts); this only guards a relapse.
  assert.ok(p99(latencies) < 4000, `/healthz p99 ${p99(latencies).toFixed(0)} ms`);
});

test('bodies over the storage limit: the worker-thread check answers as the ordinary create would', async () => {
  const huge = keys(HOSTILE_KEYS);
  const status = async (path: string, obj: Record<string, unknown>, ct = JSON_CT): Promise<Record<string, unknown>> => {
    const res = await client.request('POST', path, JSON.stringify(obj), ct);
    const s = res.json();
    assert.equal(s.kind, 'Status', res.body.toString().slice(0, 300));
    assert.equal(s.code, res.status);
    return s;
  };
  // over the limit: the storage limit's 413, nothing stored
  const tooLarge = await status(NS, configMap('huge-w', huge));
  assert.equal(tooLarge.reason, 'RequestEntityTooLarge');
  assert.equal(
    tooLarge.message,
    'Request entity too large: the encoded object is larger than the storage limit of 1572864 bytes',
  );
  assert.equal((await client.request('GET', `${NS}/huge-w`)).status, 404);
  // YAML bodies take the same path
  const yaml = await client.request('POST', NS, toYaml(configMap('huge-y', huge)), {
    'content-type': 'application/yaml',
  });
  assert.equal(yaml.status, 413, yaml.body.toString().slice(0, 300));
  // a missing namespace is found before the size: 404
  const missing = await status('/api/v1/namespaces/nope/configmaps', configMap('huge-n', huge));
  assert.equal(missing.reason, 'NotFound');
  assert.equal(missing.message, 'namespaces "nope" not found');
  // validation before the size: 422 with the bad key's path
  const invalid = await status(NS, configMap('huge-i', { ...huge, 'bad key': 'x' }));
  assert.equal(invalid.reason, 'Invalid');
  assert.match(String(invalid.message), /data\[bad key\]/);
  // strict field validation of the body first: 400 naming the unknown field
  const strict = await status(`${NS}?fieldValidation=Strict`, { ...configMap('huge-s', huge), bogus: 1 });
  assert.equal(strict.reason, 'BadRequest');
  assert.match(String(strict.message), /unknown field "bogus"/);
  // a bad fieldManager is refused as the ordinary create refuses it
  const manager = await status(`${NS}?fieldManager=${'m'.repeat(129)}`, configMap('huge-m', huge));
  assert.equal(manager.code, 422);
  // a mismatched namespace in the body: the ordinary path's 400
  const mismatch = await status(NS, { ...configMap('huge-x', huge), metadata: { name: 'huge-x', namespace: 'other' } });
  assert.equal(mismatch.code, 400);
  assert.equal((await client.request('GET', '/healthz')).status, 200);
});

test('the worker-thread check near the limit: a fitting object in a big body is stored, hostile keys refused', async () => {
  // whitespace takes the body past the storage limit (so the worker checks it) while the object fits
  const fits = { ...keys(20_000), pad: 'v'.repeat(400_000) };
  const padded = JSON.stringify(configMap('fits-w', fits)) + ' '.repeat(1_600_000);
  const stored = await client.request('POST', NS, padded, JSON_CT);
  assert.equal(stored.status, 201, stored.body.toString().slice(0, 300));
  const back = ok(await client.request('GET', `${NS}/fits-w`), 'get');
  assert.deepEqual(back.data, fits);
  // repeated keys and Object.prototype names in a 200,000-key body: the same 413, nothing stored
  const huge = JSON.stringify(keys(HOSTILE_KEYS)).slice(0, -1);
  const hostile = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge-d"},"data":${huge},"k0":"x","__proto__":"p","constructor":"c"}}`;
  const refused = await client.request('POST', NS, hostile, JSON_CT);
  assert.equal(refused.status, 413, refused.body.toString().slice(0, 300));
  assert.equal(
    refused.json().message,
    'Request entity too large: the encoded object is larger than the storage limit of 1572864 bytes',
  );
  assert.equal((await client.request('GET', `${NS}/huge-d`)).status, 404);
  // strict field validation names the repeated key: 400
  const strict = await client.request('POST', `${NS}?fieldValidation=Strict`, hostile, JSON_CT);
  assert.equal(strict.status, 400);
  assert.match(strict.json().message as string, /duplicate field "data.k0"/);
});

const PROTO_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
const LABEL_KEYS = PROTO_KEYS.filter((k) => k !== '__proto__'); // a label key must start alphanumeric

function protoBody(name: string, value: string): string {
  const data = `{${PROTO_KEYS.map((k) => `"${k}":"${value}-${k}"`).join(',')}}`;
  const binaryData = `{${PROTO_KEYS.map((k) => `"b${k}":"AQID"`).join(',')}}`;
  const labels = `{${LABEL_KEYS.map((k) => `"${k}":"l"`).join(',')}}`;
  const annotations = `{${LABEL_KEYS.map((k) => `"${k}":"a"`).join(',')}}`;
  return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","labels":${labels},"annotations":${annotations}},"data":${data},"binaryData":${binaryData}}`;
}

function assertProtoKeys(obj: Record<string, unknown>, value: string, what: string): void {
  const data = obj.data as Record<string, string>;
  for (const k of PROTO_KEYS)
    assert.equal(Object.getOwnPropertyDescriptor(data, k)?.value, `${value}-${k}`, `${what}: data.${k}`);
  const binary = obj.binaryData as Record<string, string>;
  for (const k of PROTO_KEYS) assert.equal(binary[`b${k}`], 'AQID', `${what}: binaryData.b${k}`);
  const meta = obj.metadata as Record<string, Record<string, string>>;
  for (const k of LABEL_KEYS) {
    assert.equal(Object.getOwnPropertyDescriptor(meta.labels, k)?.value, 'l', `${what}: label ${k}`);
    assert.equal(Object.getOwnPropertyDescriptor(meta.annotations, k)?.value, 'a', `${what}: annotation ${k}`);
  }
}

test('keys named after Object.prototype members work in every map, verb and encoding', async () => {
  // create (JSON), get (JSON, YAML, protobuf)
  const created = ok(await client.request('POST', NS, protoBody('proto', 'v'), JSON_CT), 'create');
  assertProtoKeys(created, 'v', 'create');
  assertProtoKeys(ok(await client.request('GET', `${NS}/proto`), 'get'), 'v', 'get');
  const yaml = await client.request('GET', `${NS}/proto`, undefined, { accept: 'application/yaml' });
  assert.equal(yaml.status, 200);
  for (const k of PROTO_KEYS) assert.match(yaml.body.toString(), new RegExp(`\\b${k.replace(/_/g, '_')}: v-${k}`));
  const pb = await client.request('GET', `${NS}/proto`, undefined, { accept: 'application/vnd.kubernetes.protobuf' });
  assert.equal(pb.status, 200);
  for (const k of PROTO_KEYS) assert.ok(pb.body.includes(Buffer.from(`v-${k}`)), `protobuf has ${k}`);

  // the same object created from YAML and from protobuf
  const fromYaml = toYaml({ ...(JSON.parse(protoBody('proto-yaml', 'v')) as object) });
  assertProtoKeys(
    ok(await client.request('POST', NS, fromYaml, { 'content-type': 'application/yaml' }), 'yaml create'),
    'v',
    'yaml create',
  );
  // the protobuf form sent back as an update decodes to the same keys
  const pbUpdate = await client.request('PUT', `${NS}/proto`, pb.body, {
    'content-type': 'application/vnd.kubernetes.protobuf',
  });
  assertProtoKeys(ok(pbUpdate, 'protobuf update'), 'v', 'protobuf update');

  // update
  const current = ok(await client.request('GET', `${NS}/proto`), 'get');
  const next = JSON.parse(protoBody('proto', 'u')) as Record<string, unknown>;
  (next.metadata as Record<string, unknown>).resourceVersion = (
    current.metadata as Record<string, unknown>
  ).resourceVersion;
  assertProtoKeys(
    ok(await client.request('PUT', `${NS}/proto`, JSON.stringify(next), JSON_CT), 'update'),
    'u',
    'update',
  );

  // merge, strategic and JSON patches touching those keys
  const merge = await client.request('PATCH', `${NS}/proto`, '{"data":{"__proto__":"m","constructor":"m"}}', {
    'content-type': 'application/merge-patch+json',
  });
  const merged = ok(merge, 'merge patch');
  assert.equal(Object.getOwnPropertyDescriptor(merged.data, '__proto__')?.value, 'm');
  assert.equal((merged.data as Record<string, string>).constructor, 'm');
  assert.equal((merged.data as Record<string, string>).toString, 'u-toString');
  const strategic = ok(
    await client.request('PATCH', `${NS}/proto`, '{"data":{"valueOf":"s","__proto__":null}}', {
      'content-type': 'application/strategic-merge-patch+json',
    }),
    'strategic patch',
  );
  assert.equal((strategic.data as Record<string, string>).valueOf, 's');
  assert.equal(Object.hasOwn(strategic.data as object, '__proto__'), false);
  const jsonPatched = ok(
    await client.request(
      'PATCH',
      `${NS}/proto`,
      JSON.stringify([
        { op: 'add', path: '/data/__proto__', value: 'j' },
        { op: 'replace', path: '/data/hasOwnProperty', value: 'j' },
        { op: 'add', path: '/metadata/labels/toString', value: 'j' },
      ]),
      { 'content-type': 'application/json-patch+json' },
    ),
    'json patch',
  );
  assert.equal(Object.getOwnPropertyDescriptor(jsonPatched.data, '__proto__')?.value, 'j');
  assert.equal((jsonPatched.data as Record<string, string>).hasOwnProperty, 'j');
  assert.equal((jsonPatched.metadata as Record<string, Record<string, string>>).labels.toString, 'j');

  // server-side apply creating and then updating the keys, a second manager owning one of them
  const applyCt = { 'content-type': 'application/apply-patch+yaml' };
  assertProtoKeys(
    ok(
      await client.request('PATCH', `${NS}/proto-apply?fieldManager=a`, protoBody('proto-apply', 'p'), applyCt),
      'apply',
    ),
    'p',
    'apply',
  );
  const other = ok(
    await client.request(
      'PATCH',
      `${NS}/proto-apply?fieldManager=b`,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto-apply"},"data":{"extra":"b"}}',
      applyCt,
    ),
    'apply by another manager',
  );
  assertProtoKeys(other, 'p', 'apply by another manager');
  const managers = (
    other.metadata as { managedFields: Array<{ manager: string; fieldsV1: Record<string, Record<string, unknown>> }> }
  ).managedFields;
  const a = managers.find((m) => m.manager === 'a');
  assert.ok(
    a && Object.hasOwn(a.fieldsV1['f:data'], 'f:__proto__') && Object.hasOwn(a.fieldsV1['f:data'], 'f:constructor'),
  );

  // a label key `__proto__` is invalid as a qualified name: a 422, as upstream, not a 500
  const badLabel = await client.request(
    'POST',
    NS,
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-label","labels":{"__proto__":"x"}}}',
    JSON_CT,
  );
  assert.equal(badLabel.status, 422, badLabel.body.toString());
});

test('JSON nested past 10,000 levels is a 400 Status on create, update, patch and apply; the replica lives on', async () => {
  const deep = (n: number): string =>
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"unknownDeep":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
  const requests: Array<[string, string, string, string]> = [
    ['POST', NS, deep(10_001), 'application/json'],
    ['POST', NS, deep(500_000), 'application/json'],
    ['PUT', `${NS}/deep`, deep(10_001), 'application/json'],
    ['PATCH', `${NS}/deep`, deep(10_001), 'application/merge-patch+json'],
    ['PATCH', `${NS}/deep?fieldManager=x`, deep(10_001), 'application/apply-patch+yaml'],
    [
      'POST',
      NS,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      'application/yaml',
    ],
  ];
  for (const [method, path, body, ct] of requests) {
    const res = await client.request(method, path, body, { 'content-type': ct });
    assert.equal(res.status, 400, `${method} ${ct}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    const status = res.json();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'BadRequest');
    assert.match(String(status.message), /max depth/);
  }
  // 10,000 levels of an unknown field is legal JSON: it is decoded (and the field dropped)
  const legal = await client.request('POST', NS, deep(9_990), JSON_CT);
  assert.equal(legal.status, 201, legal.body.toString().slice(0, 300));
  assert.equal((await client.request('GET', '/healthz')).status, 200);
});

test('100,000 unknown fields: a bounded set of Warning headers, and one bounded strict error', async () => {
  const fields = Array.from({ length: 100_000 }, (_, i) => `"bogus${i}":1`).join(',');
  const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"unknowns"},${fields}}`;
  const warned = await client.request('POST', NS, body, JSON_CT);
  assert.equal(warned.status, 201);
  // Node's client joins repeated headers with ", "
  const joined = ([] as string[]).concat(warned.headers.warning ?? []).join(', ');
  const count = joined.split(/(?:^|, )299 - /).length - 1;
  assert.ok(count > 0 && count <= 100, `${count} warnings`);
  const headerBytes = joined.length;
  assert.ok(headerBytes < 16 * 1024, `${headerBytes} bytes of Warning headers`);
  const strict = await client.request(
    'POST',
    `${NS}?fieldValidation=Strict`,
    body.replace('unknowns', 'unknowns-2'),
    JSON_CT,
  );
  assert.equal(strict.status, 400);
  const message = String(strict.json().message);
  assert.ok(message.startsWith('strict decoding error: unknown field "bogus0"'), message.slice(0, 100));
  assert.ok(message.length < 4096, `${message.length} chars`);
});
