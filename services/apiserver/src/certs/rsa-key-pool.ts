import { generateKeyPair, generateKeyPairSync } from 'node:crypto';

/**
 * RSA 2048 keys generated ahead of need on libuv's thread pool, so a fresh data
 * dir's keys (CA, serving, admin, service accounts) are made in parallel with
 * the main thread's start-up work instead of one after another on it.
 */
const ready: string[] = [];

const encoding = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

/** Starts `count` key generations; resolves when all are in the pool. */
export function prewarmRsaKeys(count: number): Promise<void> {
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      generateKeyPair('rsa', encoding, (err, _pub, privateKey) => {
        if (err) return reject(err);
        ready.push(privateKey);
        resolve();
      });
    });
  return Promise.all(Array.from({ length: count }, one)).then(() => undefined);
}

/** A new PKCS#8 PEM RSA 2048 private key: a prewarmed one when there is one. */
export function newRsaKeyPem(): string {
  const pooled = ready.shift();
  if (pooled) return pooled;
  const { privateKey } = generateKeyPairSync('rsa', encoding);
  return privateKey;
}
