import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

/** A verification key for service-account tokens with upstream's key id. */
export interface ServiceAccountPublicKey {
  keyId: string;
  key: KeyObject;
  /** The one JWS algorithm kube-apiserver signs with for this key. */
  algorithm: 'RS256' | 'ES256' | 'ES384' | 'ES512';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * kube's key id: base64url (unpadded) SHA-256 of the PKIX (SubjectPublicKeyInfo) DER of the
 * public key, so the id reveals nothing and is identical on every replica holding the key.
 */
export function keyIdForPublicKey(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export function signingAlgorithmFor(key: KeyObject): ServiceAccountPublicKey['algorithm'] {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    switch (key.asymmetricKeyDetails?.namedCurve) {
      case 'prime256v1':
        return 'ES256';
      case 'secp384r1':
        return 'ES384';
      case 'secp521r1':
        return 'ES512';
    }
    throw new Error('unknown private key curve, must be 256, 384, or 521');
  }
  throw new Error(`unsupported service account key type ${key.asymmetricKeyType ?? 'unknown'}, must be RSA or ECDSA`);
}

/**
 * Public keys from one --service-account-key-file: any mix of PUBLIC KEY, RSA PUBLIC KEY and
 * CERTIFICATE blocks, or a private key (PKCS#1, SEC1 or PKCS#8) whose public half is used.
 */
export function parseServiceAccountKeyFile(pem: string): ServiceAccountPublicKey[] {
  const keys: ServiceAccountPublicKey[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) {
    const [block, label] = match;
    let key: KeyObject;
    if (label === 'CERTIFICATE') key = new X509Certificate(block).publicKey;
    else if (label.endsWith('PRIVATE KEY')) key = createPublicKey(createPrivateKey(block));
    else if (label.endsWith('PUBLIC KEY')) key = createPublicKey(block);
    else continue;
    keys.push({ keyId: keyIdForPublicKey(key), key, algorithm: signingAlgorithmFor(key) });
  }
  if (keys.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return keys;
}

/** The private key of --service-account-signing-key-file (PKCS#1, SEC1 or PKCS#8 PEM). */
export function parseSigningKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  signingAlgorithmFor(key);
  return key;
}

/** A fresh RSA 2048 signing key pair for a data directory that has none (PKCS#8 / SPKI PEM). */
export function generateServiceAccountSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
