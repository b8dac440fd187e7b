import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { KeyAndCert } from './issue';
import { ensureAdminCert, ensurePki, isUsableCa, pkiPathsIn, readPair } from './pki';
import { logWarning } from '../logging/line-log';

/**
 * What a replica serves TLS with, following kube-apiserver's flags:
 * --tls-cert-file/--tls-private-key-file name the serving pair (nothing is
 * generated), otherwise a pair is generated in --cert-dir; --client-ca-file is
 * the bundle client certificates are verified against.
 */
export interface ServingPkiOptions {
  certDir: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  /** Names the generated serving certificate must cover. */
  hosts: string[];
  log?: (line: string) => void;
}

export interface ServingPki {
  /** Serving certificate, followed by any intermediates from --tls-cert-file. */
  servingCertPem: string;
  servingKeyPem: string;
  /** Authorities client certificates are verified against. */
  clientCaPem: string;
  /** The authority clients trust for the serving certificate (kubeconfig, kube-root-ca.crt). */
  clusterCaPem: string;
  /** The admin client pair for the kubeconfig, when kapi holds a CA key the client CA accepts. */
  admin?: KeyAndCert;
  /** The CA pair CSRs are signed with (kube-controller-manager's --cluster-signing-*-file), when kapi holds its key. */
  signer?: KeyAndCert;
  /** Where the files came from, for the start-up log. */
  source: 'generated' | 'files';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, in order. */
export function splitPemBundle(pem: string): string[] {
  return (pem.match(PEM_CERT) ?? []).map((c) => `${c.replace(/\r\n/g, '\n')}\n`);
}

function x509(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function signedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  try {
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`--${flag}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function resolveServingPki(opts: ServingPkiOptions): Promise<ServingPki> {
  const log = opts.log ?? (() => undefined);
  const clientCaFromFile = opts.clientCaFile ? await readText(opts.clientCaFile, 'client-ca-file') : undefined;
  if (clientCaFromFile !== undefined && splitPemBundle(clientCaFromFile).length === 0) {
    throw new Error(`--client-ca-file: ${opts.clientCaFile} holds no PEM certificate`);
  }

  if (!opts.tlsCertFile) {
    const pki = await ensurePki(opts.certDir, { hosts: opts.hosts, certDir: opts.certDir });
    const clientCaPem = clientCaFromFile ?? pki.caCertPem;
    if (clientCaFromFile !== undefined && !bundleVerifies(clientCaFromFile, pki.adminCertPem)) {
      logWarning(
        log,
        `kapi: the admin certificate in ${opts.certDir} is not signed by --client-ca-file; it will not authenticate`,
      );
    }
    return {
      servingCertPem: pki.servingCertPem,
      servingKeyPem: pki.servingKeyPem,
      clientCaPem,
      clusterCaPem: pki.caCertPem,
      admin: { certPem: pki.adminCertPem, keyPem: pki.adminKeyPem },
      signer: { certPem: pki.caCertPem, keyPem: pki.caKeyPem },
      source: 'generated',
    };
  }

  const certText = await readText(opts.tlsCertFile, 'tls-cert-file');
  const keyPem = await readText(opts.tlsPrivateKeyFile, 'tls-private-key-file');
  const chain = splitPemBundle(certText);
  const leaf = chain.length > 0 ? x509(chain[0]) : undefined;
  if (!leaf) throw new Error(`--tls-cert-file: ${opts.tlsCertFile} holds no PEM certificate`);
  let keyMatches = false;
  try {
    keyMatches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new Error(`--tls-private-key-file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!keyMatches) throw new Error('--tls-private-key-file does not match the certificate in --tls-cert-file');

  // The CA in --cert-dir (if any), then the chain after the leaf, then the client CA bundle.
  const paths = pkiPathsIn(opts.certDir);
  const dirCa = await readPair(paths.caCert, paths.caKey).catch(() => undefined);
  const candidates = [
    ...(dirCa ? splitPemBundle(dirCa.certPem) : []),
    ...chain.slice(1),
    ...splitPemBundle(clientCaFromFile ?? ''),
  ];
  const issuer = candidates.find((pem) => {
    const ca = x509(pem);
    return ca !== undefined && signedBy(leaf, ca);
  });
  let clusterCaPem: string;
  if (issuer) clusterCaPem = issuer;
  else {
    clusterCaPem = chain.join('');
    logWarning(log, 'kapi: no CA found for --tls-cert-file; the kubeconfig trusts the serving certificate itself');
  }
  const clientCaPem = clientCaFromFile ?? clusterCaPem;

  // An admin certificate is only worth minting when a CA key is at hand and the client CA accepts its signatures.
  let admin: KeyAndCert | undefined;
  let signer: KeyAndCert | undefined;
  const dirCaX509 = dirCa ? x509(dirCa.certPem) : undefined;
  if (dirCa && dirCaX509 && isUsableCa(dirCa) && bundleContains(clientCaPem, dirCaX509)) {
    admin = (await ensureAdminCert(paths, dirCa)).pair;
    signer = dirCa;
  } else {
    logWarning(
      log,
      `kapi: no CA key in ${opts.certDir} matching the client CA; no admin certificate or kubeconfig is written`,
    );
  }
  return {
    servingCertPem: chain.join(''),
    servingKeyPem: keyPem,
    clientCaPem,
    clusterCaPem,
    admin,
    signer,
    source: 'files',
  };
}

function bundleContains(bundlePem: string, cert: X509Certificate): boolean {
  return splitPemBundle(bundlePem).some((pem) => x509(pem)?.fingerprint256 === cert.fingerprint256);
}

function bundleVerifies(bundlePem: string, leafPem: string): boolean {
  const leaf = x509(leafPem);
  if (!leaf) return false;
  return splitPemBundle(bundlePem).some((pem) => {
    const ca = x509(pem);
    return ca !== undefined && signedBy(leaf, ca);
  });
}
