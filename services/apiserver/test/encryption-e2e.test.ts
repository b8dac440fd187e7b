/**
 * Encryption at rest end to end: a real replica on a real etcd (and one on the
 * embedded SQLite store) with --encryption-provider-config; raw values are read
 * straight from etcd and SQLite. Covers provider order (write with the first,
 * read old values with the others), rotation by `kubectl replace`, and a bounded
 * fuzz of corrupted stored values answered with a Status, never a crash.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const NS = 'enc';
const KEY1 = randomBytes(32).toString('base64');
const KEY2 = randomBytes(16).toString('base64');
const SECRET_VALUE = 'top-secret-value-0123456789';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const config = (providers: string): string => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
${providers}`;
const AESGCM_K1 = `  - aesgcm: {keys: [{name: key1, secret: ${KEY1}}]}\n`;
const AESCBC_K2 = `  - aescbc: {keys: [{name: key2, secret: ${KEY2}}]}\n`;
const IDENTITY = `  - identity: {}\n`;

function secretDoc(name: string, value = SECRET_VALUE): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    data: { password: b64(`${value}-${name}`) },
  };
}

function assertNoPlaintext(raw: Buffer, name: string): void {
  const s = raw.toString('latin1');
  assert.ok(!s.includes(SECRET_VALUE), `${name}: plaintext value in storage`);
  assert.ok(!s.includes(b64(`${SECRET_VALUE}-${name}`)), `${name}: base64 value in storage`);
  assert.ok(!s.includes(name), `${name}: object name in the stored value`);
}

describe('encryption at rest on etcd (real replica, raw etcd reads)', () => {
  let etcd: RunningEtcd;
  let kv: Etcd3;
  let dir: string;
  let replica: ReplicaProcess | undefined;
  let client: ApiClient;
  const dataDir = (): string => path.join(dir, 'data');

  async function restart(providers?: string): Promise<void> {
    await replica?.stop();
    const args = ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`];
    if (providers !== undefined) {
      const file = path.join(dir, `enc-${Date.now()}.yaml`);
      writeFileSync(file, config(providers));
      args.push(`--encryption-provider-config=${file}`);
    }
    replica = await startReplicaProcess({ dataDir: dataDir(), args });
    client = new ApiClient(replica.kubeconfig);
  }

  const raw = async (name: string): Promise<Buffer> => {
    const v = await kv.get(`/registry/secrets/${NS}/${name}`).buffer();
    assert.ok(v, `no etcd value for ${name}`);
    return v;
  };
  const getSecret = async (name: string): Promise<Record<string, unknown>> => {
    const r = await client.request('GET', `/api/v1/namespaces/${NS}/secrets/${name}`);
    assert.equal(r.status, 200, r.body.toString());
    return r.json();
  };
  const create = async (name: string): Promise<void> => {
    const r = await client.request('POST', `/api/v1/namespaces/${NS}/secrets`, secretDoc(name));
    assert.equal(r.status, 201, r.body.toString());
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-enc-e2e-'));
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoint });
    await restart();
    assert.equal((await client.request('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
    await create('s-plain');
  });
  after(async () => {
    await replica?.stop();
    kv?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without a config, values are stored as encoded (protobuf)', async () => {
    assert.equal((await raw('s-plain')).subarray(0, 4).toString('latin1'), 'k8s\u0000');
  });

  test('aesgcm first, identity second: new secrets encrypted, old plain ones still read', async () => {
    await restart(AESGCM_K1 + IDENTITY);
    await create('s-gcm');
    const v = await raw('s-gcm');
    assert.equal(v.subarray(0, 23).toString('latin1'), 'k8s:enc:aesgcm:v1:key1:');
    assertNoPlaintext(v, 's-gcm');
    const got = await getSecret('s-gcm');
    assert.deepEqual(got.data, { password: b64(`${SECRET_VALUE}-s-gcm`) });
    assert.deepEqual((await getSecret('s-plain')).data, { password: b64(`${SECRET_VALUE}-s-plain`) });
    // other resources are not configured: stored as encoded
    const cm = await client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      metadata: { name: 'cm1' },
      data: { a: 'b' },
    });
    assert.equal(cm.status, 201);
    const cmRaw = await kv.get(`/registry/configmaps/${NS}/cm1`).buffer();
    assert.equal(cmRaw?.subarray(0, 4).toString('latin1'), 'k8s\u0000');
    // lists and watches are served decrypted (list from the watch cache, and from etcd with a limit)
    const list = (await client.request('GET', `/api/v1/namespaces/${NS}/secrets`)).json<{
      items: Array<{ metadata: { name: string } }>;
    }>();
    assert.deepEqual(list.items.map((i) => i.metadata.name).sort(), ['s-gcm', 's-plain']);
    const paged = (await client.request('GET', `/api/v1/namespaces/${NS}/secrets?limit=1`)).json<{
      items: unknown[];
    }>();
    assert.equal(paged.items.length, 1);
    const out = await kubectlOk(replica!.kubeconfig, [
      'get',
      'secret',
      's-gcm',
      '-n',
      NS,
      '-o',
      'jsonpath={.data.password}',
    ]);
    assert.equal(out, b64(`${SECRET_VALUE}-s-gcm`));
  });

  test('a new first provider writes; the old ones read; kubectl replace re-encrypts everything under it', async () => {
    await restart(AESCBC_K2 + AESGCM_K1 + IDENTITY);
    await create('s-cbc');
    assert.equal((await raw('s-cbc')).subarray(0, 23).toString('latin1'), 'k8s:enc:aescbc:v1:key2:');
    assert.equal((await raw('s-gcm')).subarray(0, 23).toString('latin1'), 'k8s:enc:aesgcm:v1:key1:');
    assert.deepEqual((await getSecret('s-gcm')).data, { password: b64(`${SECRET_VALUE}-s-gcm`) });
    const before = await getSecret('s-gcm');
    const all = await kubectlOk(replica!.kubeconfig, ['get', 'secrets', '-A', '-o', 'json']);
    await kubectlOk(replica!.kubeconfig, ['replace', '-f', '-'], all);
    for (const name of ['s-plain', 's-gcm', 's-cbc']) {
      const v = await raw(name);
      assert.equal(v.subarray(0, 23).toString('latin1'), 'k8s:enc:aescbc:v1:key2:', name);
      assertNoPlaintext(v, name);
    }
    const afterReplace = await getSecret('s-gcm');
    const rv = (o: Record<string, unknown>): string => (o.metadata as { resourceVersion: string }).resourceVersion;
    assert.notEqual(rv(afterReplace), rv(before), 'an unchanged replace of a stale value is still written');
    // a secret already under the first key is not rewritten by an unchanged replace
    const cbc = await getSecret('s-cbc');
    const again = await kubectlOk(replica!.kubeconfig, ['get', 'secret', 's-cbc', '-n', NS, '-o', 'json']);
    await kubectlOk(replica!.kubeconfig, ['replace', '-f', '-'], again);
    assert.equal(rv(await getSecret('s-cbc')), rv(cbc));
  });

  test('only the new key configured: everything still reads after the rotation', async () => {
    await restart(AESCBC_K2);
    for (const name of ['s-plain', 's-gcm', 's-cbc']) {
      assert.deepEqual((await getSecret(name)).data, { password: b64(`${SECRET_VALUE}-${name}`) });
    }
  });

  test('fuzzed stored values get a Status error and never crash the replica', async () => {
    await create('s-fuzz');
    const good = await raw('s-fuzz');
    const prefix = Buffer.from('k8s:enc:aescbc:v1:key2:');
    const body = good.subarray(prefix.length);
    const variants: Array<[string, Buffer]> = [];
    for (const n of [0, 5, prefix.length - 1, prefix.length, prefix.length + 8, prefix.length + 16, good.length - 1]) {
      variants.push([`truncated to ${n}`, good.subarray(0, n)]);
    }
    variants.push(['wrong key name', Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key9:'), body])]);
    variants.push(['wrong provider prefix', Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:key2:'), body])]);
    variants.push(['unknown provider', Buffer.concat([Buffer.from('k8s:enc:rot13:v1:key2:'), body])]);
    variants.push(['plain protobuf, no identity configured', Buffer.from('k8s\u0000garbage')]);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0x40;
    variants.push(['last block corrupted', flipped]);
    for (let i = 0; i < 8; i++) {
      variants.push([`random ${i}`, randomBytes(1 + Math.floor(Math.random() * 200))]);
      variants.push([`prefix + random ${i}`, Buffer.concat([prefix, randomBytes(16 * (1 + i))])]);
    }
    const key = `/registry/secrets/${NS}/s-fuzz`;
    for (const [what, value] of variants) {
      await kv.put(key).value(value);
      // the watch cache sees the same event; give it a moment so both paths are exercised
      for (const q of ['', '?resourceVersion=0']) {
        const r = await client.request('GET', `/api/v1/namespaces/${NS}/secrets/s-fuzz${q}`);
        assert.ok(r.status >= 400, `${what}${q}: got ${r.status}`);
        const st = r.json<{ kind: string; code: number; reason?: string; message: string }>();
        assert.equal(st.kind, 'Status', what);
        assert.equal(st.code, r.status, what);
        if (r.status === 500) {
          assert.equal(st.reason, 'InternalError', what);
          assert.match(st.message, /^Internal error occurred: /, what);
        }
      }
      assert.equal(replica!.child.exitCode, null, `replica exited after ${what}`);
    }
    // the exact upstream wording for a get of a value no provider matches
    await kv.put(key).value(Buffer.from('k8s:enc:rot13:v1:x:abc'));
    const r = await client.request('GET', `/api/v1/namespaces/${NS}/secrets/s-fuzz`);
    assert.equal(r.status, 500);
    assert.equal(r.json<{ message: string }>().message, 'Internal error occurred: no matching prefix found');
    // restoring the value heals reads; the replica is still ready
    await kv.put(key).value(good);
    assert.deepEqual((await getSecret('s-fuzz')).data, { password: b64(`${SECRET_VALUE}-s-fuzz`) });
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await client.request('GET', '/readyz')).status;
      if (ready !== 200) await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(ready, 200);
  });
});

describe('encryption at rest on the embedded store (raw SQLite reads)', () => {
  let dir: string;
  let replica: ReplicaProcess;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-enc-emb-'));
    const file = path.join(dir, 'enc.yaml');
    writeFileSync(file, config(AESGCM_K1 + IDENTITY));
    replica = await startReplicaProcess({
      dataDir: path.join(dir, 'data'),
      args: [`--encryption-provider-config=${file}`],
    });
  });
  after(async () => {
    await replica?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('secrets in kapi.db carry the aesgcm prefix and no plaintext', async () => {
    const client = new ApiClient(replica.kubeconfig);
    assert.equal((await client.request('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
    assert.equal((await client.request('POST', `/api/v1/namespaces/${NS}/secrets`, secretDoc('s-emb'))).status, 201);
    const db = new Database(path.join(dir, 'data', 'kapi.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare('SELECT value FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1')
        .all(`/registry/secrets/${NS}/s-emb`) as Array<{ value: Buffer }>;
      assert.equal(rows.length, 1);
      assert.equal(rows[0].value.subarray(0, 23).toString('latin1'), 'k8s:enc:aesgcm:v1:key1:');
      assertNoPlaintext(rows[0].value, 's-emb');
    } finally {
      db.close();
    }
    const got = (await client.request('GET', `/api/v1/namespaces/${NS}/secrets/s-emb`)).json<{ data: unknown }>();
    assert.deepEqual(got.data, { password: b64(`${SECRET_VALUE}-s-emb`) });
  });
});
