import { createPrivateKey, createPublicKey, randomBytes, sign, verify, X509Certificate } from 'node:crypto';
import type forge from 'node-forge';
import { nodeForge } from './forge';

/**
 * PKCS#10 certificate requests: parsing (with the signature check upstream's
 * validation makes) and signing by a CA, for certificates.k8s.io. node-forge's
 * own CSR support handles RSA keys only, so the ASN.1 is walked with forge.asn1
 * and signatures are made and checked by node:crypto, which handles RSA, ECDSA
 * and Ed25519 alike.
 */

export interface ParsedCsr {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** The subject Name as it was encoded, copied into the issued certificate. */
  subject: forge.asn1.Asn1;
  /** DER of the SubjectPublicKeyInfo. */
  publicKeyDer: Buffer;
}

const asn1 = (): typeof forge.asn1 => nodeForge().asn1;
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SAN = '2.5.29.17';

/** Signature algorithms by OID: the digest node:crypto takes (null: the key type fixes it). */
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/;

/** The first PEM block's type and DER bytes, or undefined when the text holds none. */
export function decodeFirstPem(text: string): { type: string; der: Buffer } | undefined {
  const m = PEM_BLOCK.exec(text);
  if (!m) return undefined;
  // headers (Proc-Type and the like) end with a blank line; the body is the rest
  const body = m[2].includes(':') ? m[2].slice(m[2].search(/\r?\n\r?\n/) + 1) : m[2];
  return { type: m[1], der: Buffer.from(body.replace(/\s+/g, ''), 'base64') };
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node && Array.isArray(node.value) ? node.value : [];
}

function bytesOf(node: forge.asn1.Asn1 | undefined): string {
  return node && typeof node.value === 'string' ? node.value : '';
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  return asn1().derToOid(bytesOf(node));
}

function attributeValues(name: forge.asn1.Asn1, oid: string): string[] {
  const out: string[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      if (oidOf(type) === oid) out.push(nodeForge().util.decodeUtf8(bytesOf(value)));
    }
  }
  return out;
}

function ipText(raw: string): string {
  const b = Buffer.from(raw, 'binary');
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < b.length; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function readSans(attributes: forge.asn1.Asn1 | undefined, out: ParsedCsr): void {
  for (const attr of children(attributes)) {
    const [type, values] = children(attr);
    if (oidOf(type) !== OID_EXTENSION_REQUEST) continue;
    for (const ext of children(children(values)[0])) {
      const parts = children(ext);
      if (oidOf(parts[0]) !== OID_SAN) continue;
      const names = asn1().fromDer(bytesOf(parts[parts.length - 1]));
      for (const general of children(names)) {
        const v = bytesOf(general);
        if (general.type === 1) out.emailAddresses.push(v);
        else if (general.type === 2) out.dnsNames.push(v);
        else if (general.type === 6) out.uris.push(v);
        else if (general.type === 7) out.ipAddresses.push(ipText(v));
      }
    }
  }
}

/** forge parses BIT STRINGs that look like ASN.1 by default, which changes them when re-encoded. */
function fromDer(der: Buffer): forge.asn1.Asn1 {
  // forge takes an options object here; its type declarations know only the older boolean
  const parse = asn1().fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: object) => forge.asn1.Asn1;
  return parse(nodeForge().util.createBuffer(der.toString('binary')), { decodeBitStrings: false });
}

/** The bytes of the first element inside the outer SEQUENCE, exactly as received: what the signature covers. */
function firstElement(der: Buffer): Buffer {
  const headerLength = (at: number): { header: number; length: number } => {
    const first = der[at + 1];
    if (first < 0x80) return { header: 2, length: first };
    const n = first & 0x7f;
    let length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i];
    return { header: 2 + n, length };
  };
  const outer = headerLength(0);
  const inner = headerLength(outer.header);
  return der.subarray(outer.header, outer.header + inner.header + inner.length);
}

/**
 * Parses a DER PKCS#10 request and checks its self-signature; throws an Error
 * with the reason (upstream's text where it has one) when either fails.
 */
export function parseCsrDer(der: Buffer): ParsedCsr {
  let root: forge.asn1.Asn1;
  try {
    root = fromDer(der);
  } catch {
    throw new Error('asn1: structure error: the request is not valid DER');
  }
  const [info, algorithm, signature] = children(root);
  const [, subject, spki, attributes] = children(info);
  if (!info || !subject || !spki || !algorithm || !signature) {
    throw new Error('x509: malformed certificate request');
  }
  const out: ParsedCsr = {
    commonName: attributeValues(subject, OID_CN)[0] ?? '',
    organizations: attributeValues(subject, OID_O),
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    subject,
    publicKeyDer: Buffer.from(asn1().toDer(spki).getBytes(), 'binary'),
  };
  readSans(attributes, out);
  const algOid = oidOf(children(algorithm)[0]);
  const digest = SIGNATURE_DIGESTS[algOid];
  if (digest === undefined) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  // a BIT STRING's first byte counts the unused bits, always 0 for signatures
  const sig = Buffer.from(bytesOf(signature).slice(1), 'binary');
  const signed = firstElement(der);
  let ok = false;
  try {
    const key = createPublicKey({ key: out.publicKeyDer, format: 'der', type: 'spki' });
    ok = verify(digest, signed, key, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(verificationFailure(out.publicKeyDer));
  return out;
}

/** Go's CheckSignature error for a bad signature, which depends on the key type. */
function verificationFailure(spkiDer: Buffer): string {
  try {
    const type = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).asymmetricKeyType;
    if (type === 'rsa') return 'crypto/rsa: verification error';
    if (type === 'ec') return 'x509: ECDSA verification failure';
    if (type === 'ed25519') return 'x509: Ed25519 verification failure';
  } catch {
    // an unreadable key falls through to the generic text
  }
  return 'x509: cannot verify signature: algorithm unimplemented';
}

/** The PEM text of spec.request, checked as upstream's validation checks it. */
export function parseCsrPem(pem: string): ParsedCsr {
  const block = decodeFirstPem(pem);
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return parseCsrDer(block.der);
}

/** Key usage bits of X.509 (RFC 5280 order) and extended key usage OIDs, by upstream's usage names. */
const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'data encipherment': 3,
  'key agreement': 4,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};

const EXT_KEY_USAGE_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** Every usage name certificates.k8s.io accepts, sorted as upstream lists them. */
export const KNOWN_KEY_USAGES: readonly string[] = [
  ...Object.keys(KEY_USAGE_BITS),
  ...Object.keys(EXT_KEY_USAGE_OIDS),
].sort();

function keyUsageExtension(usages: readonly string[]): forge.asn1.Asn1 | undefined {
  const a = asn1();
  const bits = usages.map((u) => KEY_USAGE_BITS[u]).filter((b): b is number => b !== undefined);
  if (bits.length === 0) return undefined;
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)] |= 0x80 >> (b % 8);
  const unused = 7 - (highest % 8);
  const value = String.fromCharCode(unused) + bytes.toString('binary');
  return extension('2.5.29.15', true, a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, value));
}

function extension(oid: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const a = asn1();
  const parts = [a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(oid).getBytes())];
  if (critical) parts.push(a.create(a.Class.UNIVERSAL, a.Type.BOOLEAN, false, String.fromCharCode(0xff)));
  parts.push(a.create(a.Class.UNIVERSAL, a.Type.OCTETSTRING, false, a.toDer(value).getBytes()));
  return a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, parts);
}

function oidNode(oid: string): forge.asn1.Asn1 {
  const a = asn1();
  return a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(oid).getBytes());
}

function seq(values: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  const a = asn1();
  return a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, values);
}

function ipBytes(ip: string): string {
  if (ip.includes('.')) return Buffer.from(ip.split('.').map(Number)).toString('binary');
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return b.toString('binary');
}

function sanExtension(csr: ParsedCsr): forge.asn1.Asn1 | undefined {
  const a = asn1();
  const names = [
    ...csr.emailAddresses.map((v) => a.create(a.Class.CONTEXT_SPECIFIC, 1, false, v)),
    ...csr.dnsNames.map((v) => a.create(a.Class.CONTEXT_SPECIFIC, 2, false, v)),
    ...csr.uris.map((v) => a.create(a.Class.CONTEXT_SPECIFIC, 6, false, v)),
    ...csr.ipAddresses.map((v) => a.create(a.Class.CONTEXT_SPECIFIC, 7, false, ipBytes(v))),
  ];
  return names.length > 0 ? extension(OID_SAN, false, seq(names)) : undefined;
}

/** The CA's signature algorithm: its identifier and the digest node:crypto signs with. */
function caSignatureAlgorithm(caKeyPem: string): { algorithm: forge.asn1.Asn1; digest: string | null } {
  const a = asn1();
  const type = createPrivateKey(caKeyPem).asymmetricKeyType;
  if (type === 'ec') return { algorithm: seq([oidNode('1.2.840.10045.4.3.2')]), digest: 'sha256' };
  if (type === 'ed25519') return { algorithm: seq([oidNode('1.3.101.112')]), digest: null };
  const nullParams = a.create(a.Class.UNIVERSAL, a.Type.NULL, false, '');
  return { algorithm: seq([oidNode('1.2.840.113549.1.1.11'), nullParams]), digest: 'sha256' };
}

function utcOrGeneralized(d: Date): forge.asn1.Asn1 {
  const a = asn1();
  // RFC 5280: UTCTime through 2049, GeneralizedTime after
  return d.getUTCFullYear() < 2050
    ? a.create(a.Class.UNIVERSAL, a.Type.UTCTIME, false, a.dateToUtcTime(d))
    : a.create(a.Class.UNIVERSAL, a.Type.GENERALIZEDTIME, false, a.dateToGeneralizedTime(d));
}

export interface SigningCa {
  certPem: string;
  keyPem: string;
}

export interface SignOptions {
  usages: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

/**
 * Issues a certificate for a request: its subject, public key and subject
 * alternative names, the usages the CSR object asks for, signed by the CA.
 */
export function signCsr(ca: SigningCa, csr: ParsedCsr, opts: SignOptions): string {
  const a = asn1();
  const caX509 = new X509Certificate(ca.certPem);
  const caRoot = fromDer(caX509.raw);
  const caTbs = children(caRoot)[0];
  // the issuer is the CA's subject exactly as encoded: version? serial sigAlg issuer validity subject
  const caFields = children(caTbs);
  const caSubject = caFields[caFields[0]?.tagClass === a.Class.CONTEXT_SPECIFIC ? 5 : 4];
  const { algorithm, digest } = caSignatureAlgorithm(ca.keyPem);
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;

  const extensions = [
    keyUsageExtension(opts.usages),
    (() => {
      const oids = opts.usages.map((u) => EXT_KEY_USAGE_OIDS[u]).filter((o): o is string => o !== undefined);
      return oids.length > 0 ? extension('2.5.29.37', false, seq([...new Set(oids)].map(oidNode))) : undefined;
    })(),
    extension('2.5.29.19', true, seq([])),
    caKeyIdentifier(caX509),
    sanExtension(csr),
  ].filter((e): e is forge.asn1.Asn1 => e !== undefined);

  const tbs = seq([
    a.create(a.Class.CONTEXT_SPECIFIC, 0, true, [
      a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, String.fromCharCode(2)),
    ]),
    a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, serial.toString('binary')),
    algorithm,
    caSubject,
    seq([utcOrGeneralized(opts.notBefore), utcOrGeneralized(opts.notAfter)]),
    csr.subject,
    fromDer(csr.publicKeyDer),
    a.create(a.Class.CONTEXT_SPECIFIC, 3, true, [seq(extensions)]),
  ]);
  const tbsDer = Buffer.from(a.toDer(tbs).getBytes(), 'binary');
  const signature = sign(digest, tbsDer, ca.keyPem);
  const cert = seq([
    tbs,
    algorithm,
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, '\u0000' + signature.toString('binary')),
  ]);
  const der = Buffer.from(a.toDer(cert).getBytes(), 'binary');
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** The authorityKeyIdentifier naming the CA's subjectKeyIdentifier, when it has one. */
function caKeyIdentifier(caX509: X509Certificate): forge.asn1.Asn1 | undefined {
  const a = asn1();
  const caCert = (() => {
    try {
      return nodeForge().pki.certificateFromPem(caX509.toString());
    } catch {
      // not an RSA CA: forge cannot read it, and the extension is optional
      return undefined;
    }
  })();
  const ski = caCert?.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  if (!ski?.subjectKeyIdentifier) return undefined;
  const id = nodeForge().util.hexToBytes(ski.subjectKeyIdentifier);
  return extension('2.5.29.35', false, seq([a.create(a.Class.CONTEXT_SPECIFIC, 0, false, id)]));
}
