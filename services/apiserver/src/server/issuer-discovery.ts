import { createPublicKey } from 'node:crypto';
import {
  defaultJwksUri,
  DISCOVERY_CACHE_CONTROL,
  jwksDocument,
  JWKS_CONTENT_TYPE,
  JWKS_PATH,
  OPENID_CONFIGURATION_PATH,
  openIdConfiguration,
} from '../authn/sa-discovery';
import type { BufferedResponse } from '../endpoints/types';
import type { ServerOptions } from '../options';
import type { ServiceAccountKeys } from './service-account-keys';

function document(body: unknown, contentType: string): () => BufferedResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  return () => ({
    kind: 'buffered',
    status: 200,
    headers: { 'content-type': contentType, 'cache-control': DISCOVERY_CACHE_CONTROL },
    body: bytes,
  });
}

/**
 * The service-account issuer's OpenID discovery documents, served as upstream
 * does only when the issuer is an https URL (relying parties fetch them to
 * verify tokens kapi signs).
 */
export function issuerDiscoveryDocuments(
  opts: ServerOptions,
  keys: ServiceAccountKeys,
): ReadonlyMap<string, () => BufferedResponse> {
  const issuer = opts.serviceAccountIssuers[0];
  if (!issuer.startsWith('https://')) return new Map();
  const publicKeys = keys.verificationKeysPem.map((pem) => createPublicKey(pem));
  const external = `${opts.advertiseAddress.includes(':') ? `[${opts.advertiseAddress}]` : opts.advertiseAddress}:${opts.securePort}`;
  return new Map([
    [
      OPENID_CONFIGURATION_PATH,
      document(openIdConfiguration(issuer, defaultJwksUri(external), publicKeys), 'application/json'),
    ],
    [JWKS_PATH, document(jwksDocument(publicKeys), JWKS_CONTENT_TYPE)],
  ]);
}
