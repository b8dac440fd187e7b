import type { X509Certificate } from 'node:crypto';
import { type AuthnRequest, type AuthnResponse, type Authenticator } from './authenticator';
import { parseCertificateBundle, subjectNames, verifyClientCertificate } from './x509-verify';

/**
 * --client-ca-file authentication: a verified client certificate names the user by its CN and
 * the groups by its O values. A verified certificate without a CN gives no opinion.
 */
export function x509Authenticator(clientCAPem: string, clock: () => Date = () => new Date()): Authenticator {
  const roots: X509Certificate[] = parseCertificateBundle(clientCAPem);
  // A connection presents one chain for its whole life and the server hands the same array to
  // every request on it, so a verified chain is remembered until its first certificate expires.
  const verified = new WeakMap<Buffer[], { resp: AuthnResponse | null; until: number }>();
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (req.peerCertificates.length === 0) return null;
      const now = clock();
      const known = verified.get(req.peerCertificates);
      if (known && now.getTime() < known.until) return known.resp;
      const chain = verifyClientCertificate(req.peerCertificates, { roots, now });
      const { commonName, organizations } = subjectNames(chain[0]);
      const resp = commonName === '' ? null : { user: { name: commonName, groups: organizations } };
      const until = Math.min(...chain.map((c) => Date.parse(c.validTo)));
      verified.set(req.peerCertificates, { resp, until });
      return resp;
    },
  };
}
