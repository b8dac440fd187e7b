import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sanKey, sanKeysFromCertificateText, servingSans, type SanEntry } from './addresses';
import { createCa, issueLeaf, type KeyAndCert } from './issue';

export const CA_COMMON_NAME = 'kapi-ca';
export const SERVING_COMMON_NAME = 'kapi-apiserver';
export const ADMIN_COMMON_NAME = 'kubernetes-admin';
export const ADMIN_ORGANIZATION = 'system:masters';

/** Leaf certificates this close to expiry are reissued at start-up. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
}

export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  paths: PkiPaths;
  /** Which files this call (re)wrote; empty when everything was reused. */
  generated: Array<'ca' | 'serving' | 'admin'>;
}

export interface EnsurePkiOptions {
  /** DNS names and IPs the serving certificate must cover, beyond localhost, 127.0.0.1 and the in-cluster names. */
  hosts: string[];
  /** Where the files live (kube-apiserver's --cert-dir); default `<dataDir>/pki`. */
  certDir?: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  return pkiPathsIn(path.join(dataDir, 'pki'));
}

/** The file names kapi uses inside a certificate directory. */
export function pkiPathsIn(dir: string): PkiPaths {
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    servingCert: path.join(dir, 'apiserver.crt'),
    servingKey: path.join(dir, 'apiserver.key'),
    adminCert: path.join(dir, 'admin.crt'),
    adminKey: path.join(dir, 'admin.key'),
  };
}

/**
 * Makes sure `<dataDir>/pki` (or `opts.certDir`) holds a CA, a serving certificate covering `hosts`
 * and an admin client certificate, creating or reissuing only what is missing,
 * expiring, or (for the serving certificate) does not cover every requested name.
 */
export async function ensurePki(dataDir: string, opts: EnsurePkiOptions): Promise<Pki> {
  const paths = opts.certDir ? pkiPathsIn(opts.certDir) : pkiPaths(dataDir);
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  // mkdir's mode covers only a directory it creates; keys kept from an earlier run are narrowed too
  await fs.chmod(paths.dir, 0o700);
  for (const key of [paths.caKey, paths.servingKey, paths.adminKey]) await narrowIfPresent(key, 0o600);
  const generated: Pki['generated'] = [];

  let ca = await readPair(paths.caCert, paths.caKey);
  if (!ca || !isUsableCa(ca)) {
    ca = createCa(CA_COMMON_NAME);
    await writePair(paths.caCert, paths.caKey, ca);
    generated.push('ca');
  }
  const caX509 = new X509Certificate(ca.certPem);

  const sans = servingSans(opts.hosts);
  let serving = await readPair(paths.servingCert, paths.servingKey);
  if (!serving || !isCurrentLeaf(serving, caX509) || !coversSans(serving, sans)) {
    serving = issueLeaf(ca, { subject: { commonName: SERVING_COMMON_NAME }, usage: 'serverAuth', sans });
    await writePair(paths.servingCert, paths.servingKey, serving);
    generated.push('serving');
  }

  const { pair: admin, generated: adminGenerated } = await ensureAdminCert(paths, ca);
  if (adminGenerated) generated.push('admin');

  return {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    paths,
    generated,
  };
}

/**
 * The admin client certificate in `paths`, reused while it is current and issued
 * by `ca`, otherwise issued anew and written next to the CA.
 */
export async function ensureAdminCert(
  paths: Pick<PkiPaths, 'adminCert' | 'adminKey'>,
  ca: KeyAndCert,
): Promise<{ pair: KeyAndCert; generated: boolean }> {
  const caX509 = new X509Certificate(ca.certPem);
  const existing = await readPair(paths.adminCert, paths.adminKey);
  if (existing && isCurrentLeaf(existing, caX509)) return { pair: existing, generated: false };
  const admin = issueLeaf(ca, {
    subject: { commonName: ADMIN_COMMON_NAME, organizations: [ADMIN_ORGANIZATION] },
    usage: 'clientAuth',
  });
  await writePair(paths.adminCert, paths.adminKey, admin);
  return { pair: admin, generated: true };
}

/** A certificate and key read from two files; undefined when either is missing. */
export async function readPair(certPath: string, keyPath: string): Promise<KeyAndCert | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([fs.readFile(certPath, 'utf8'), fs.readFile(keyPath, 'utf8')]);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function narrowIfPresent(file: string, mode: number): Promise<void> {
  try {
    await fs.chmod(file, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Writes through a temporary file so a crash never leaves a half-written key behind. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

async function writePair(certPath: string, keyPath: string, pair: KeyAndCert): Promise<void> {
  await writeAtomically(keyPath, pair.keyPem, 0o600);
  await writeAtomically(certPath, pair.certPem, 0o644);
}

function parse(pair: KeyAndCert): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(pair.certPem);
    return cert.checkPrivateKey(createPrivateKey(pair.keyPem)) ? cert : undefined;
  } catch {
    return undefined;
  }
}

export function isUsableCa(pair: KeyAndCert): boolean {
  const cert = parse(pair);
  return cert !== undefined && cert.ca && Date.parse(cert.validTo) > Date.now();
}

function isCurrentLeaf(pair: KeyAndCert, ca: X509Certificate): boolean {
  const cert = parse(pair);
  if (!cert) return false;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  return Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
}

function coversSans(pair: KeyAndCert, wanted: SanEntry[]): boolean {
  const have = sanKeysFromCertificateText(new X509Certificate(pair.certPem).subjectAltName);
  return wanted.every((san) => have.has(sanKey(san)));
}
