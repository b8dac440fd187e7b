/**
 * The secretbox provider against XSalsa20-Poly1305 rebuilt here from its
 * definition (Salsa20/20, HSalsa20, Poly1305 over BigInt; no library on the test
 * side): values sealed as kube-apiserver seals them read in kapi, kapi's values
 * open with the reference, and damaged values fail with upstream's messages.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadEncryptionConfig, type ResourceTransformers } from '../src/storage/value/encryption-config';

const rotl = (v: number, c: number): number => ((v << c) | (v >>> (32 - c))) >>> 0;

/** The Salsa20/20 double rounds over 16 words; `add` feeds the input forward (Salsa20) or not (HSalsa20). */
function salsaRounds(input: Uint32Array): Uint32Array {
  const x = Uint32Array.from(input);
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[b] ^= rotl((x[a] + x[d]) >>> 0, 7);
    x[c] ^= rotl((x[b] + x[a]) >>> 0, 9);
    x[d] ^= rotl((x[c] + x[b]) >>> 0, 13);
    x[a] ^= rotl((x[d] + x[c]) >>> 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
  return x;
}

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function salsaState(key: Buffer, sixteen: Buffer): Uint32Array {
  const s = new Uint32Array(16);
  [s[0], s[5], s[10], s[15]] = SIGMA;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = key.readUInt32LE(4 * i);
    s[11 + i] = key.readUInt32LE(16 + 4 * i);
    s[6 + i] = sixteen.readUInt32LE(4 * i);
  }
  return s;
}

function hsalsa20(key: Buffer, nonce16: Buffer): Buffer {
  const x = salsaRounds(salsaState(key, nonce16));
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w], 4 * i));
  return out;
}

function xsalsa20Stream(key: Buffer, nonce24: Buffer, length: number): Buffer {
  const subkey = hsalsa20(key, nonce24.subarray(0, 16));
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  for (let block = 0; block * 64 < length; block++) {
    const input = Buffer.alloc(16);
    nonce24.copy(input, 0, 16, 24);
    input.writeBigUInt64LE(BigInt(block), 8);
    const state = salsaState(subkey, input);
    const x = salsaRounds(state);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i] + state[i]) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

const le = (b: Buffer): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);

function poly1305(key: Buffer, msg: Buffer): Buffer {
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    acc = ((acc + le(Buffer.concat([msg.subarray(i, i + 16), Buffer.from([1])]))) * r) % p;
  }
  const tag = (acc + le(key.subarray(16, 32))) & ((1n << 128n) - 1n);
  return Buffer.from(tag.toString(16).padStart(32, '0'), 'hex').reverse();
}

/** nonce || tag || ciphertext, as Go's nacl/secretbox Seal after a nonce prefix. */
function sealRef(key: Buffer, plain: Buffer, nonce: Buffer): Buffer {
  const stream = xsalsa20Stream(key, nonce, 32 + plain.length);
  const cipher = Buffer.from(plain.map((b, i) => b ^ stream[32 + i]));
  return Buffer.concat([nonce, poly1305(stream.subarray(0, 32), cipher), cipher]);
}

function openRef(key: Buffer, sealed: Buffer): Buffer {
  const nonce = sealed.subarray(0, 24);
  const cipher = sealed.subarray(40);
  const stream = xsalsa20Stream(key, nonce, 32 + cipher.length);
  assert.deepEqual(poly1305(stream.subarray(0, 32), cipher), sealed.subarray(24, 40), 'Poly1305 tag');
  return Buffer.from(cipher.map((b, i) => b ^ stream[32 + i]));
}

const KEY = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff', 'hex');
const OLD_KEY = randomBytes(32);
const ETCD_KEY = '/registry/secrets/default/box';
// long enough for several Salsa20 blocks and a partial Poly1305 chunk
const PLAIN = Buffer.from(`k8s\u0000${'{"data":"c2VjcmV0"}'.repeat(11)}`);
const PREFIX = 'k8s:enc:secretbox:v1:';

describe('encryption at rest: secretbox matches XSalsa20-Poly1305 as kube-apiserver writes it', () => {
  let dir: string;
  let transformers: ResourceTransformers;
  const secrets = () => transformers.forResource({ group: '', resource: 'secrets' });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-secretbox-'));
    const config = path.join(dir, 'enc.yaml');
    writeFileSync(
      config,
      `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - secretbox:
      keys:
      - {name: new, secret: ${KEY.toString('base64')}}
      - {name: old, secret: ${OLD_KEY.toString('base64')}}
`,
    );
    transformers = await loadEncryptionConfig(config);
  });
  after(() => {
    transformers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a value sealed by the reference reads in kapi; one under the second key reads stale', async () => {
    const value = Buffer.concat([Buffer.from(`${PREFIX}new:`), sealRef(KEY, PLAIN, randomBytes(24))]);
    const out = await secrets().fromStorage(value, ETCD_KEY);
    assert.deepEqual(out.data, PLAIN);
    assert.equal(out.stale, false);
    // not bound to the etcd key: secretbox authenticates the value alone
    assert.deepEqual((await secrets().fromStorage(value, '/registry/secrets/x/y')).data, PLAIN);
    const old = Buffer.concat([Buffer.from(`${PREFIX}old:`), sealRef(OLD_KEY, PLAIN, randomBytes(24))]);
    const outOld = await secrets().fromStorage(old, ETCD_KEY);
    assert.deepEqual(outOld.data, PLAIN);
    assert.equal(outOld.stale, true, 'a rewrite moves it to the first key');
  });

  test('what kapi writes opens with the reference, under the first key, with a fresh nonce each time', async () => {
    const a = await secrets().toStorage(PLAIN, ETCD_KEY);
    const b = await secrets().toStorage(PLAIN, ETCD_KEY);
    const prefix = Buffer.from(`${PREFIX}new:`);
    for (const v of [a, b]) {
      assert.deepEqual(v.subarray(0, prefix.length), prefix);
      assert.equal(v.length, prefix.length + 24 + 16 + PLAIN.length);
      assert.deepEqual(openRef(KEY, v.subarray(prefix.length)), PLAIN);
    }
    assert.notDeepEqual(a.subarray(prefix.length, prefix.length + 24), b.subarray(prefix.length, prefix.length + 24));
  });

  test('damaged values fail with upstream messages', async () => {
    const good = await secrets().toStorage(PLAIN, ETCD_KEY);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    await assert.rejects(
      secrets().fromStorage(flipped, ETCD_KEY),
      /^Error: output array was not large enough for encryption$/,
    );
    const short = Buffer.concat([Buffer.from(`${PREFIX}new:`), randomBytes(39)]);
    await assert.rejects(
      secrets().fromStorage(short, ETCD_KEY),
      /^Error: the stored data was shorter than the required size$/,
    );
    const unknownKey = Buffer.concat([Buffer.from(`${PREFIX}gone:`), good.subarray(`${PREFIX}new:`.length)]);
    await assert.rejects(
      secrets().fromStorage(unknownKey, ETCD_KEY),
      /^Error: no matching key was found for the provided Secretbox transformer$/,
    );
  });
});
