import type { X509Certificate } from 'node:crypto';
import { type AuthnRequest, type AuthnResponse, type Authenticator } from './authenticator';
import { parseCertificateBundle, subjectNames, verifyClientCertificate } from './x509-verify';

/**
 * --client-ca-file authentication: a verified client certificate names the user by its CN and
 * the groups by its O values. A verified certificate without a CN gives no opinion.
 */
export function x509Authenticator(clientCAPem: string, clock: () => Date = () => new Date()): Authenticator {
  const roots: X509Certificate[] = parseCertificateBundle(clientCAPem);
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (req.peerCertificates.length === 0) return null;
      const chain = verifyClientCertificate(req.peerCertificates, { roots, now: clock() });
      const { commonName, organizations } = subjectNames(chain[0]);
      if (commonName === '') return null;
      return { user: { name: commonName, groups: organizations } };
    },
  };
}
