import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { LiveObject } from '../src/authn/service-account';

/** Test certificates built with forge (RSA keys from node:crypto, which is much faster). */
export interface TestCert {
  certPem: string;
  keyPem: string;
  der: Buffer;
  x509: X509Certificate;
}

const DAY = 24 * 60 * 60 * 1000;
let serial = 1;

function rsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface CertOptions {
  cn?: string;
  orgs?: string[];
  /** Issuer; self-signed when absent. */
  issuer?: TestCert;
  ca?: boolean;
  eku?: 'clientAuth' | 'serverAuth' | 'none';
  notBefore?: Date;
  notAfter?: Date;
  ipSans?: string[];
}

export function makeCert(opts: CertOptions): TestCert {
  const keyPem = rsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 30 * DAY);
  const subject: forge.pki.CertificateField[] = (opts.orgs ?? []).map((o) => ({ name: 'organizationName', value: o }));
  if (opts.cn !== undefined) subject.push({ name: 'commonName', value: opts.cn });
  cert.setSubject(subject);
  const issuerCert = opts.issuer ? forge.pki.certificateFromPem(opts.issuer.certPem) : cert;
  cert.setIssuer(issuerCert.subject.attributes);
  const extensions: object[] = [{ name: 'basicConstraints', cA: opts.ca === true, critical: true }];
  if (opts.ca)
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
  const eku = opts.eku ?? (opts.ca ? 'none' : 'clientAuth');
  if (eku !== 'none') extensions.push({ name: 'extKeyUsage', [eku]: true });
  if (opts.ipSans) extensions.push({ name: 'subjectAltName', altNames: opts.ipSans.map((ip) => ({ type: 7, ip })) });
  cert.setExtensions(extensions);
  const signingKey = forge.pki.privateKeyFromPem(opts.issuer ? opts.issuer.keyPem : keyPem);
  cert.sign(signingKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const x509 = new X509Certificate(certPem);
  return { certPem, keyPem, der: x509.raw, x509 };
}

/** mulberry32: a small seeded PRNG so fuzz runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeObjects {
  serviceAccounts: Map<string, LiveObject>;
  pods: Map<string, LiveObject>;
  secrets: Map<string, LiveObject>;
  nodes: Map<string, LiveObject>;
}

/** AuthnLookups over in-memory maps keyed `ns/name` (nodes by name). */
export function fakeLookups(objects: Partial<FakeObjects> = {}) {
  const o: FakeObjects = {
    serviceAccounts: objects.serviceAccounts ?? new Map(),
    pods: objects.pods ?? new Map(),
    secrets: objects.secrets ?? new Map(),
    nodes: objects.nodes ?? new Map(),
  };
  return {
    objects: o,
    lookups: {
      serviceAccount: async (ns: string, name: string) => o.serviceAccounts.get(`${ns}/${name}`),
      pod: async (ns: string, name: string) => o.pods.get(`${ns}/${name}`),
      secret: async (ns: string, name: string) => o.secrets.get(`${ns}/${name}`),
      node: async (name: string) => o.nodes.get(name),
    },
  };
}
