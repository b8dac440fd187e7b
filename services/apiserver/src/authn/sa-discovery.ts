import type { KeyObject } from 'node:crypto';
import { keyIdForPublicKey, signingAlgorithmFor } from './sa-keys';

/** Cache-Control kube-apiserver sends with both documents. */
export const DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
/** Content type of the key set response (the configuration is plain application/json). */
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

/** The `/.well-known/openid-configuration` body; algorithms are those of the served keys, sorted. */
export function openIdConfiguration(
  issuer: string,
  jwksUri: string,
  publicKeys: KeyObject[] = [],
): OpenIdConfiguration {
  const algs = [...new Set(publicKeys.map(signingAlgorithmFor))].sort();
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs.length > 0 ? algs : ['RS256'],
  };
}

export interface Jwk {
  use: 'sig';
  kty: string;
  kid: string;
  crv?: string;
  alg: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** The `/openid/v1/jwks` body, members in go-jose's marshalling order. */
export function jwksDocument(publicKeys: KeyObject[]): { keys: Jwk[] } {
  return {
    keys: publicKeys.map((key) => {
      const jwk = key.export({ format: 'jwk' });
      const alg = signingAlgorithmFor(key);
      const out: Jwk = { use: 'sig', kty: String(jwk.kty), kid: keyIdForPublicKey(key), alg };
      if (jwk.kty === 'EC') {
        return { use: 'sig', kty: 'EC', kid: out.kid, crv: String(jwk.crv), alg, x: String(jwk.x), y: String(jwk.y) };
      }
      out.n = String(jwk.n);
      out.e = String(jwk.e);
      return out;
    }),
  };
}

/** Default jwks_uri when --service-account-jwks-uri is unset: the external address plus the path. */
export function defaultJwksUri(externalAddress: string): string {
  return `https://${externalAddress}${JWKS_PATH}`;
}
