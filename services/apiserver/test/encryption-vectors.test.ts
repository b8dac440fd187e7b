/**
 * Encryption at rest against the documented value formats, with each format
 * rebuilt here from node:crypto and a hand-written protobuf writer (no kapi
 * code on the test side): values "written by kube-apiserver" decrypt in kapi,
 * and kapi's values decrypt with the documented algorithm. The KMS v2 plugin is
 * the real one, over gRPC on a unix socket.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadEncryptionConfig, type ResourceTransformers } from '../src/storage/value/encryption-config';
import { startKmsPlugin, unwrap, wrap, loadKeyFile, type RunningPlugin } from '../../kms-plugin/src/kms-plugin';

const ETCD_KEY = '/registry/secrets/default/vector';
const PLAIN = Buffer.from('k8s\u0000{"fake":"protobuf-encoded secret","data":"c2VjcmV0"}');
const KEY16 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const KEY32 = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const b64 = (b: Buffer): string => b.toString('base64');

// --- an independent protobuf writer/reader for EncryptedObject (fields 1..5) ---
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const lenField = (no: number, b: Buffer): Buffer => Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
function encryptedObject(
  data: Buffer,
  keyID: string,
  dekSource: Buffer,
  ann: Record<string, Buffer>,
  type: number,
): Buffer {
  const entries = Object.entries(ann).map(([k, v]) =>
    lenField(4, Buffer.concat([lenField(1, Buffer.from(k)), lenField(2, v)])),
  );
  return Buffer.concat([
    lenField(1, data),
    lenField(2, Buffer.from(keyID)),
    lenField(3, dekSource),
    ...entries,
    Buffer.concat([varint((5 << 3) | 0), varint(type)]),
  ]);
}
function readFields(msg: Buffer): Map<number, Buffer[] | number> {
  const out = new Map<number, Buffer[] | number>();
  let i = 0;
  const readVarint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = msg[i++];
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  };
  while (i < msg.length) {
    const tag = readVarint();
    const no = tag >>> 3;
    if ((tag & 7) === 0) out.set(no, readVarint());
    else {
      const len = readVarint();
      const list = (out.get(no) as Buffer[] | undefined) ?? [];
      list.push(msg.subarray(i, i + len));
      out.set(no, list);
      i += len;
    }
  }
  return out;
}

// --- the documented ciphers ---
function gcmSealRef(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, nonce);
  c.setAAD(aad);
  return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
}
function gcmOpenRef(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
}
/** RFC 5869 HKDF-Expand with SHA-256 (no extract step), L = 32. */
function hkdfExpandRef(prk: Buffer, info: Buffer): Buffer {
  return createHmac('sha256', prk)
    .update(info)
    .update(Buffer.from([0x01]))
    .digest();
}

describe('encryption at rest: value formats match kube-apiserver', () => {
  let dir: string;
  let plugin: RunningPlugin;
  let transformers: ResourceTransformers;
  const keyFile = (): string => path.join(dir, 'kek');

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-enc-vec-'));
    plugin = await startKmsPlugin(path.join(dir, 'kms.sock'), keyFile());
    const config = path.join(dir, 'enc.yaml');
    writeFileSync(
      config,
      `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm: {keys: [{name: gcmkey, secret: ${b64(KEY32)}}]}
  - aescbc: {keys: [{name: cbckey, secret: ${b64(KEY16)}}]}
  - kms: {apiVersion: v2, name: vecplugin, endpoint: unix://${path.join(dir, 'kms.sock')}, timeout: 2s}
  - identity: {}
- resources: [configmaps]
  providers:
  - kms: {apiVersion: v2, name: cmplugin, endpoint: unix://${path.join(dir, 'kms.sock')}}
`,
    );
    transformers = await loadEncryptionConfig(config);
  });
  after(async () => {
    transformers?.stop();
    await plugin?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const secrets = () => transformers.forResource({ group: '', resource: 'secrets' });

  test('aescbc: iv || AES-CBC(PKCS#7) after k8s:enc:aescbc:v1:<key>:, no authenticated data', async () => {
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', KEY16, iv);
    const value = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:cbckey:'), iv, c.update(PLAIN), c.final()]);
    const out = await secrets().fromStorage(value, '/registry/secrets/any/other-key');
    assert.deepEqual(out.data, PLAIN);
    assert.equal(out.stale, true, 'read with the second provider: stale');
  });

  test('aesgcm: nonce || ciphertext || tag after k8s:enc:aesgcm:v1:<key>:, the etcd key authenticated', async () => {
    const value = Buffer.concat([
      Buffer.from('k8s:enc:aesgcm:v1:gcmkey:'),
      gcmSealRef(KEY32, PLAIN, Buffer.from(ETCD_KEY)),
    ]);
    const out = await secrets().fromStorage(value, ETCD_KEY);
    assert.deepEqual(out.data, PLAIN);
    assert.equal(out.stale, false);
    // moved to another key, the value no longer authenticates
    await assert.rejects(
      secrets().fromStorage(value, '/registry/secrets/default/moved'),
      /message authentication failed/,
    );

    const written = await secrets().toStorage(PLAIN, ETCD_KEY);
    const prefix = Buffer.from('k8s:enc:aesgcm:v1:gcmkey:');
    assert.deepEqual(written.subarray(0, prefix.length), prefix);
    assert.deepEqual(gcmOpenRef(KEY32, written.subarray(prefix.length), Buffer.from(ETCD_KEY)), PLAIN);
  });

  test('kms v2: EncryptedObject with an HKDF-SHA256 seed, read by kapi', async () => {
    const kek = loadKeyFile(keyFile());
    const seed = randomBytes(32);
    const info = randomBytes(32);
    const data = Buffer.concat([info, gcmSealRef(hkdfExpandRef(seed, info), PLAIN, Buffer.from(ETCD_KEY))]);
    const obj = encryptedObject(
      data,
      kek.keyId,
      wrap(kek, seed),
      { 'format.kms-plugin.kapi.dev': Buffer.from('x') },
      1,
    );
    const value = Buffer.concat([Buffer.from('k8s:enc:kms:v2:vecplugin:'), obj]);
    const out = await secrets().fromStorage(value, ETCD_KEY);
    assert.deepEqual(out.data, PLAIN);
    assert.equal(out.stale, true, 'third provider');
    // the legacy source type (0: the DEK itself) reads too
    const dek = randomBytes(32);
    const legacy = encryptedObject(gcmSealRef(dek, PLAIN, Buffer.from(ETCD_KEY)), kek.keyId, wrap(kek, dek), {}, 0);
    const cms = transformers.forResource({ group: '', resource: 'configmaps' });
    const out2 = await cms.fromStorage(Buffer.concat([Buffer.from('k8s:enc:kms:v2:cmplugin:'), legacy]), ETCD_KEY);
    assert.deepEqual(out2.data, PLAIN);
    assert.equal(out2.stale, true, 'an AES_GCM_KEY source is stale: writes use seeds');
  });

  test('kms v2: what kapi writes decrypts with the documented algorithm', async () => {
    const cms = transformers.forResource({ group: '', resource: 'configmaps' });
    const written = await cms.toStorage(PLAIN, ETCD_KEY);
    const prefix = Buffer.from('k8s:enc:kms:v2:cmplugin:');
    assert.deepEqual(written.subarray(0, prefix.length), prefix);
    const f = readFields(written.subarray(prefix.length));
    const kek = loadKeyFile(keyFile());
    assert.equal((f.get(2) as Buffer[])[0].toString(), kek.keyId);
    assert.equal(f.get(5), 1, 'HKDF_SHA256_XNONCE_AES_GCM_SEED');
    const seed = unwrap(kek, (f.get(3) as Buffer[])[0]);
    assert.equal(seed.length, 32);
    const data = (f.get(1) as Buffer[])[0];
    const key = hkdfExpandRef(seed, data.subarray(0, 32));
    assert.deepEqual(gcmOpenRef(key, data.subarray(32), Buffer.from(ETCD_KEY)), PLAIN);
    // one seed, a fresh derived key per write
    const again = readFields((await cms.toStorage(PLAIN, ETCD_KEY)).subarray(prefix.length));
    assert.deepEqual((again.get(3) as Buffer[])[0], (f.get(3) as Buffer[])[0]);
    assert.notDeepEqual((again.get(1) as Buffer[])[0].subarray(0, 32), data.subarray(0, 32));
  });

  test('identity reads plain values but never encrypted ones; no prefix and no identity fails', async () => {
    assert.deepEqual((await secrets().fromStorage(PLAIN, ETCD_KEY)).data, PLAIN);
    // an identity entry that meets encrypted bytes steps aside; nothing else matches
    await assert.rejects(
      secrets().fromStorage(Buffer.from('k8s:enc:secretbox:v1:k:xxxx'), ETCD_KEY),
      /^Error: no matching prefix found$/,
    );
    // a resource without a rule is read by identity alone, which refuses encrypted bytes
    await assert.rejects(
      transformers
        .forResource({ group: '', resource: 'pods' })
        .fromStorage(Buffer.from('k8s:enc:aescbc:v1:k:x'), ETCD_KEY),
      /^Error: identity transformer tried to read encrypted data$/,
    );
    const cms = transformers.forResource({ group: '', resource: 'configmaps' });
    await assert.rejects(cms.fromStorage(PLAIN, ETCD_KEY), /^Error: no matching prefix found$/);
    // unconfigured resources are identity
    const pods = transformers.forResource({ group: '', resource: 'pods' });
    assert.deepEqual(await pods.toStorage(PLAIN, ETCD_KEY), PLAIN);
  });

  test('a wrong or unknown aes key name', async () => {
    const value = Buffer.concat([
      Buffer.from('k8s:enc:aesgcm:v1:nokey:'),
      gcmSealRef(KEY32, PLAIN, Buffer.from(ETCD_KEY)),
    ]);
    await assert.rejects(
      secrets().fromStorage(value, ETCD_KEY),
      /no matching key was found for the provided AES transformer/,
    );
    const bad = Buffer.concat([
      Buffer.from('k8s:enc:aesgcm:v1:gcmkey:'),
      gcmSealRef(KEY16, PLAIN, Buffer.from(ETCD_KEY)),
    ]);
    await assert.rejects(secrets().fromStorage(bad, ETCD_KEY), /cipher: message authentication failed/);
  });
});

describe('EncryptionConfiguration loading', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-enc-cfg-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (text: string): Promise<ResourceTransformers> => {
    const f = path.join(dir, `c${Math.random()}.yaml`);
    writeFileSync(f, text);
    return loadEncryptionConfig(f);
  };
  const head = 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n';
  const cases: Array<[string, string, RegExp]> = [
    [
      'wrong kind',
      'apiVersion: v1\nkind: EncryptionConfig\nresources: []\n',
      /no kind "EncryptionConfig" is registered for version "v1"/,
    ],
    ['no resources', `${head}resources: []\n`, /resources: Required value: at least one resources is required/],
    [
      'short key',
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: k, secret: ${b64(randomBytes(10))}}]}\n`,
      /resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 10, expected one of \[16 24 32\]/,
    ],
    [
      'not base64',
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{name: k, secret: "not base64!"}]}\n`,
      /secrets must be base64 encoded/,
    ],
    [
      'two providers in one element',
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n    aescbc: {keys: [{name: k, secret: ${b64(KEY16)}}]}\n`,
      /more than one provider specified in a single element, should split into different list elements/,
    ],
    [
      'kms v1 is refused',
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - kms: {name: old, endpoint: unix:///tmp/none.sock, cachesize: 10}\n`,
      /KMSv1 is deprecated and will only receive security updates going forward/,
    ],
    [
      'kms endpoint scheme',
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: p, endpoint: "tcp://127.0.0.1:1"}\n`,
      /unsupported scheme "tcp" for KMS provider, only unix is supported/,
    ],
    [
      'events.k8s.io',
      `${head}resources:\n- resources: [events.events.k8s.io]\n  providers:\n  - identity: {}\n`,
      /'\*\.events\.k8s\.io' objects are stored using the 'events' API group in etcd/,
    ],
    [
      'unknown field',
      `${head}resources:\n- resources: [secrets]\n  provders: []\n`,
      /strict decoding error: unknown field "resources\[0\]\.provders"/,
    ],
    [
      'masked rule',
      `${head}resources:\n- resources: ['*.']\n  providers:\n  - identity: {}\n- resources: [secrets]\n  providers:\n  - identity: {}\n`,
      /resource "secrets" is masked by earlier rule "\*\."/,
    ],
  ];
  for (const [name, text, want] of cases) {
    test(name, async () => {
      await assert.rejects(load(text), (e: Error) => {
        assert.match(e.message, want);
        return true;
      });
    });
  }

  test('wildcards: *.group and *.* pick transformers, the exact resource first', async () => {
    const t = await load(
      `${head}resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {keys: [{name: s, secret: ${b64(KEY16)}}]}\n- resources: ['*.apps']\n  providers:\n  - aesgcm: {keys: [{name: a, secret: ${b64(KEY16)}}]}\n- resources: ['*.*']\n  providers:\n  - aesgcm: {keys: [{name: all, secret: ${b64(KEY32)}}]}\n`,
    );
    const pre = async (group: string, resource: string): Promise<string> =>
      (await t.forResource({ group, resource }).toStorage(PLAIN, ETCD_KEY)).subarray(0, 30).toString('latin1');
    assert.match(await pre('', 'secrets'), /^k8s:enc:aescbc:v1:s:/);
    assert.match(await pre('apps', 'deployments'), /^k8s:enc:aesgcm:v1:a:/);
    assert.match(await pre('', 'configmaps'), /^k8s:enc:aesgcm:v1:all:/);
    assert.match(await pre('example.com', 'widgets'), /^k8s:enc:aesgcm:v1:all:/);
    t.stop();
  });
});
