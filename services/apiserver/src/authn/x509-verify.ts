import { X509Certificate } from 'node:crypto';
import type forge from 'node-forge';
import { nodeForge } from '../certs/forge';
import { AuthenticationError } from './authenticator';

const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const OID_ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
/** Longer chains are not worth searching; Go's verifier bounds its work similarly. */
const MAX_CHAIN_LENGTH = 10;

/** Every certificate of a PEM bundle (the contents of a --client-ca-file). */
export function parseCertificateBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no certificates found in CA bundle');
  return blocks.map((b) => new X509Certificate(b));
}

export interface VerifyOptions {
  roots: X509Certificate[];
  now?: Date;
}

/**
 * Go crypto/x509 Verify with KeyUsages=[ClientAuth], the options upstream's client-certificate
 * and front-proxy authenticators use: build a chain from the leaf through the presented
 * intermediates to a root, every certificate inside its validity period, intermediates marked
 * as CAs, and clientAuth allowed by every certificate that restricts extended key usage.
 * Returns the chain leaf first; throws AuthenticationError with Go's messages.
 */
export function verifyClientCertificate(peerCertificates: Buffer[], opts: VerifyOptions): X509Certificate[] {
  const now = opts.now ?? new Date();
  const parsed = peerCertificates.map(parseDer);
  const [leaf, ...intermediates] = parsed;
  checkValidity(leaf, now);
  const chains: X509Certificate[][] = [];
  buildChains([leaf], intermediates, opts.roots, now, chains);
  if (chains.length === 0) throw new AuthenticationError('x509: certificate signed by unknown authority');
  const usable = chains.find(allowsClientAuth);
  if (usable === undefined) throw new AuthenticationError('x509: certificate specifies an incompatible key usage');
  return usable;
}

function parseDer(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new AuthenticationError('x509: malformed certificate');
  }
}

function checkValidity(cert: X509Certificate, now: Date): void {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) {
    throw new AuthenticationError(
      `x509: certificate has expired or is not yet valid: current time ${goTime(now)} is before ${goTime(notBefore)}`,
    );
  }
  if (now > notAfter) {
    throw new AuthenticationError(
      `x509: certificate has expired or is not yet valid: current time ${goTime(now)} is after ${goTime(notAfter)}`,
    );
  }
}

/** RFC 3339 without fractional seconds, as Go prints times in that error. */
function goTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withinValidity(cert: X509Certificate, now: Date): boolean {
  return now >= new Date(cert.validFrom) && now <= new Date(cert.validTo);
}

function issued(parent: X509Certificate, child: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function buildChains(
  chain: X509Certificate[],
  intermediates: X509Certificate[],
  roots: X509Certificate[],
  now: Date,
  out: X509Certificate[][],
): void {
  const current = chain[chain.length - 1];
  // A certificate that is itself a trusted root needs no parent (Go accepts it as a chain of one).
  if (chain.length === 1 && roots.some((r) => r.raw.equals(current.raw))) {
    out.push(chain);
    return;
  }
  if (chain.length >= MAX_CHAIN_LENGTH) return;
  for (const root of roots) {
    if (issued(root, current) && withinValidity(root, now)) out.push([...chain, root]);
  }
  for (const intermediate of intermediates) {
    if (chain.some((c) => c.raw.equals(intermediate.raw))) continue;
    if (!intermediate.ca || !withinValidity(intermediate, now)) continue;
    if (issued(intermediate, current)) buildChains([...chain, intermediate], intermediates, roots, now, out);
  }
}

/** Go nests extended key usage: each certificate that lists any must allow clientAuth (or any). */
function allowsClientAuth(chain: X509Certificate[]): boolean {
  return chain.every((cert) => {
    const usages = extendedKeyUsages(cert);
    return usages.length === 0 || usages.includes(OID_CLIENT_AUTH) || usages.includes(OID_ANY_EXTENDED_KEY_USAGE);
  });
}

function extendedKeyUsages(cert: X509Certificate): string[] {
  // Node names the extended key usage list `keyUsage`; undefined when the extension is absent.
  return (cert as X509Certificate & { keyUsage?: string[] }).keyUsage ?? [];
}

export interface SubjectNames {
  /** The last CN attribute, as Go's pkix.Name keeps it. */
  commonName: string;
  /** Every O attribute, in order. */
  organizations: string[];
}

/**
 * The subject's CN and O values read from the DER itself: Node only offers the subject as an
 * escaped display string, and forge refuses to parse certificates with non-RSA keys.
 */
export function subjectNames(cert: X509Certificate): SubjectNames {
  const names: SubjectNames = { commonName: '', organizations: [] };
  const root = nodeForge().asn1.fromDer(nodeForge().util.createBuffer(cert.raw.toString('binary')));
  const tbs = (root.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  // An explicit version is a context-specific [0] element before the serial number.
  const offset = tbs[0].tagClass === nodeForge().asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = tbs[offset + 4];
  for (const rdn of subject.value as forge.asn1.Asn1[]) {
    for (const attribute of rdn.value as forge.asn1.Asn1[]) {
      const [oidNode, valueNode] = attribute.value as forge.asn1.Asn1[];
      const oid = nodeForge().asn1.derToOid(oidNode.value as string);
      const value = decodeDirectoryString(valueNode);
      if (oid === OID_COMMON_NAME) names.commonName = value;
      else if (oid === OID_ORGANIZATION) names.organizations.push(value);
    }
  }
  return names;
}

function decodeDirectoryString(node: forge.asn1.Asn1): string {
  const bytes = Buffer.from(node.value as string, 'binary');
  switch (node.type) {
    case nodeForge().asn1.Type.UTF8:
      return bytes.toString('utf8');
    case nodeForge().asn1.Type.BMPSTRING: {
      // UTF-16 big-endian: swap to the little-endian order Node decodes.
      const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    default:
      return bytes.toString('latin1');
  }
}
