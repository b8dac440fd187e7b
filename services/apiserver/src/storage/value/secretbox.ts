import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import type { ValueTransformer } from './transformer';

const NONCE_BYTES = nacl.secretbox.nonceLength;
const TAG_BYTES = nacl.secretbox.overheadLength;

/** Upstream's secretbox layout: nonce(24) || NaCl secretbox (Poly1305 tag, then XSalsa20 ciphertext). */
export function secretboxSeal(key: Buffer, plain: Buffer, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  return Buffer.concat([nonce, nacl.secretbox(plain, nonce, key)]);
}

export function secretboxOpen(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('the stored data was shorter than the required size');
  const opened = nacl.secretbox.open(sealed.subarray(NONCE_BYTES), sealed.subarray(0, NONCE_BYTES), key);
  // upstream words every failed open this way, whatever the cause
  if (!opened) throw new Error('output array was not large enough for encryption');
  return Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
}

/** XSalsa20-Poly1305 with a 32-byte key; like upstream, the etcd key is not authenticated. */
export function secretboxTransformer(key: Buffer): ValueTransformer {
  if (key.length !== nacl.secretbox.keyLength) throw new Error(`secretbox key must be 32 bytes, got ${key.length}`);
  return {
    async fromStorage(data) {
      return { data: secretboxOpen(key, data), stale: false };
    },
    async toStorage(data) {
      return secretboxSeal(key, data);
    },
  };
}
