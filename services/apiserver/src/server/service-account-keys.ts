import { createPublicKey } from 'node:crypto';
import { newRsaKeyPem } from '../certs/rsa-key-pool';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ServiceAccountKeys {
  /** PEM private key tokens are signed with */
  signingKeyPem: string;
  /** PEM public keys tokens are verified with: the signing key's and every --service-account-key-file */
  verificationKeysPem: string[];
}

/**
 * The signing key from --service-account-signing-key-file, or one generated once
 * in the cert dir and shared by every replica that uses that dir (created with an
 * atomic link, so replicas starting together agree on one key).
 */
function signingKey(file: string, certDir: string): string {
  if (file) return readFileSync(file, 'utf8');
  const target = path.join(certDir, 'sa.key');
  try {
    return readFileSync(target, 'utf8');
  } catch {
    // generated below
  }
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  const pem = newRsaKeyPem();
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600 });
  try {
    linkSync(tmp, target);
  } catch {
    // another replica linked its key first: use that one
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(target, 'utf8');
}

function publicPemOf(keyPem: string): string {
  return createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
}

export function loadServiceAccountKeys(opts: {
  signingKeyFile: string;
  keyFiles: string[];
  certDir: string;
}): ServiceAccountKeys {
  const signingKeyPem = signingKey(opts.signingKeyFile, opts.certDir);
  const verificationKeysPem = [publicPemOf(signingKeyPem), ...opts.keyFiles.map((f) => readFileSync(f, 'utf8'))];
  return { signingKeyPem, verificationKeysPem };
}
