import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ValueTransformer } from './transformer';

const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
const CBC_BLOCK_BYTES = 16;

function gcmCipherName(key: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return `aes-${key.length * 8}-gcm` as 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
}

/** Go's crypto/aes accepts exactly these key sizes; the message is its KeySizeError. */
export function checkAesKey(key: Buffer): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new Error(`crypto/aes: invalid key size ${key.length}`);
  }
}

/** nonce(12) || ciphertext || tag(16), the etcd key as additional data: upstream's aesgcm layout. */
export function gcmSeal(key: Buffer, plain: Buffer, aad: Buffer, nonce: Buffer = randomBytes(GCM_NONCE_BYTES)): Buffer {
  const c = createCipheriv(gcmCipherName(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
  c.setAAD(aad);
  return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
}

export function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < GCM_NONCE_BYTES) throw new Error('the stored data was shorter than the required size');
  if (sealed.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new Error('cipher: message authentication failed');
  const nonce = sealed.subarray(0, GCM_NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - GCM_TAG_BYTES);
  const d = createDecipheriv(gcmCipherName(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(sealed.subarray(GCM_NONCE_BYTES, sealed.length - GCM_TAG_BYTES)), d.final()]);
  } catch {
    // Go's AEAD.Open reports every authentication failure with this one message
    throw new Error('cipher: message authentication failed');
  }
}

export function aesGcmTransformer(key: Buffer): ValueTransformer {
  checkAesKey(key);
  return {
    async fromStorage(data, etcdKey) {
      return { data: gcmOpen(key, data, Buffer.from(etcdKey)), stale: false };
    },
    async toStorage(data, etcdKey) {
      return gcmSeal(key, data, Buffer.from(etcdKey));
    },
  };
}

/** iv(16) || AES-CBC(PKCS#7-padded plaintext); CBC authenticates nothing, so the etcd key is unused. */
export function aesCbcTransformer(key: Buffer): ValueTransformer {
  checkAesKey(key);
  const name = `aes-${key.length * 8}-cbc`;
  return {
    async fromStorage(data) {
      if (data.length < CBC_BLOCK_BYTES) throw new Error('the stored data was shorter than the required size');
      const body = data.subarray(CBC_BLOCK_BYTES);
      if (body.length % CBC_BLOCK_BYTES !== 0) throw new Error('the stored data is not a multiple of the block size');
      const d = createDecipheriv(name, key, data.subarray(0, CBC_BLOCK_BYTES));
      // padding is checked here so the errors are upstream's, not OpenSSL's
      d.setAutoPadding(false);
      const out = Buffer.concat([d.update(body), d.final()]);
      const pad = out.length > 0 ? out[out.length - 1] : 0;
      if (pad === 0 || pad > out.length) throw new Error('invalid PKCS7 data (empty or not padded)');
      for (let i = out.length - pad; i < out.length; i++) {
        if (out[i] !== pad) throw new Error('invalid padding on input');
      }
      return { data: out.subarray(0, out.length - pad), stale: false };
    },
    async toStorage(data) {
      const iv = randomBytes(CBC_BLOCK_BYTES);
      const c = createCipheriv(name, key, iv);
      return Buffer.concat([iv, c.update(data), c.final()]);
    },
  };
}
