import {
  AuthenticationError,
  aggregateError,
  asAuthenticationError,
  intersectAudiences,
  type AuthnResponse,
  type TokenAuthenticator,
} from './authenticator';
import { goQuote, goQuoteList } from './go-format';
import { loadJose } from './jose';
import type { ServiceAccountPublicKey } from './sa-keys';
import { CREDENTIAL_ID_EXTRA_KEY, type UserInfo } from './user';

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';
export const POD_NAME_EXTRA_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_EXTRA_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_EXTRA_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_EXTRA_KEY = 'authentication.kubernetes.io/node-uid';
/** go-jose's default clock-skew allowance, which upstream applies to exp, nbf, iat and deletions. */
export const SERVICE_ACCOUNT_LEEWAY_SECONDS = 60;

export interface LiveObject {
  uid: string;
  /** RFC 3339; set while the object is being deleted. */
  deletionTimestamp?: string;
  /**
   * Secrets only, for legacy (secret-based) tokens: the decoded `data.token`, which must equal
   * the presented token, and the `kubernetes.io/legacy-token-invalid-since` label if set.
   */
  tokenData?: string;
  legacyTokenInvalidSince?: string;
}

/** Reads the SA authenticator needs to check a token is still bound to live objects. */
export interface AuthnLookups {
  serviceAccount(namespace: string, name: string): Promise<LiveObject | undefined>;
  pod(namespace: string, name: string): Promise<LiveObject | undefined>;
  secret(namespace: string, name: string): Promise<LiveObject | undefined>;
  node(name: string): Promise<LiveObject | undefined>;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_GROUP_PREFIX + namespace];
}

export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
  credentialId?: string;
}

/** The user a service-account token stands for, extra keys exactly as upstream fills them. */
export function serviceAccountUserInfo(sa: ServiceAccountInfo): UserInfo {
  const user: UserInfo = {
    name: serviceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: serviceAccountGroups(sa.namespace),
  };
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUid) {
    extra[POD_NAME_EXTRA_KEY] = [sa.podName];
    extra[POD_UID_EXTRA_KEY] = [sa.podUid];
  }
  if (sa.credentialId) extra[CREDENTIAL_ID_EXTRA_KEY] = [sa.credentialId];
  if (sa.nodeName) {
    extra[NODE_NAME_EXTRA_KEY] = [sa.nodeName];
    if (sa.nodeUid) extra[NODE_UID_EXTRA_KEY] = [sa.nodeUid];
  }
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}

const RAW_BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict unpadded base64url as Go's RawURLEncoding; null when malformed. */
export function decodeRawBase64Url(s: string): Buffer | null {
  if (!RAW_BASE64URL.test(s) || s.length % 4 === 1) return null;
  return Buffer.from(s, 'base64url');
}

/** The unverified payload of a compact JWS, or null when the token is not one. */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  if (token.trim().startsWith('{')) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const payload = decodeRawBase64Url(parts[1]);
  if (payload === null) return null;
  try {
    const claims: unknown = JSON.parse(payload.toString('utf8'));
    return isRecord(claims) ? claims : null;
  } catch {
    return null;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringClaim(claims: Record<string, unknown>, key: string): string | undefined {
  const v = Object.hasOwn(claims, key) ? claims[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Go's jwt.Audience accepts a single string or an array of strings. */
export function audienceClaim(claims: Record<string, unknown>): string[] | null {
  const aud = Object.hasOwn(claims, 'aud') ? claims['aud'] : undefined;
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string')) return aud;
  return null;
}

function numericDate(claims: Record<string, unknown>, key: string): number | undefined | null {
  const v = Object.hasOwn(claims, key) ? claims[key] : undefined;
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Checks the claims of a correctly signed token from an accepted issuer and names the account. */
export type ServiceAccountClaimsValidator = (
  token: string,
  claims: Record<string, unknown>,
  lookups: AuthnLookups,
  now: Date,
) => Promise<ServiceAccountInfo>;

export interface ServiceAccountAuthenticatorOptions {
  /** --service-account-issuer values; tokens with any other iss get no opinion. */
  issuers: string[];
  keys: ServiceAccountPublicKey[];
  /** --api-audiences (defaults to the issuers upstream). */
  apiAudiences: string[];
  lookups: AuthnLookups;
  clock?: () => Date;
  /** Defaults to the bound-token rules; legacyServiceAccountTokenAuthenticator swaps in the secret-based ones. */
  validator?: ServiceAccountClaimsValidator;
}

interface ObjectRef {
  name: string;
  uid: string;
}

function objectRef(v: unknown): ObjectRef | undefined {
  if (!isRecord(v)) return undefined;
  return {
    name: typeof v['name'] === 'string' ? v['name'] : '',
    uid: typeof v['uid'] === 'string' ? v['uid'] : '',
  };
}

const ALLOWED_ALGORITHMS: Record<string, string[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ec: ['ES256', 'ES384', 'ES512'],
};

/**
 * Bound (TokenRequest / projected) service-account tokens: signature by one of the key files'
 * keys (picked by kid), issuer among --service-account-issuer, audience within the target
 * audiences, time claims within a minute's leeway, and the service account plus any bound pod,
 * secret or node still present with the uid the token names.
 */
export function serviceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const issuers = new Set(opts.issuers);
  const byKeyId = new Map<string, ServiceAccountPublicKey[]>();
  for (const key of opts.keys) byKeyId.set(key.keyId, [...(byKeyId.get(key.keyId) ?? []), key]);
  const clock = opts.clock ?? (() => new Date());
  const validate = opts.validator ?? validateBoundClaims;

  return {
    async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResponse | null> {
      const unverified = unverifiedClaims(token);
      if (unverified === null) return null;
      const unverifiedIssuer = stringClaim(unverified, 'iss');
      if (unverifiedIssuer === undefined || !issuers.has(unverifiedIssuer)) return null;

      const { compactVerify, decodeProtectedHeader } = await loadJose();
      let kid = '';
      try {
        const header = decodeProtectedHeader(token);
        if (typeof header.kid === 'string') kid = header.kid;
      } catch {
        // Not a parseable JWS: no opinion, as upstream's ParseSigned failure.
        return null;
      }
      const candidates = kid === '' ? opts.keys : (byKeyId.get(kid) ?? []);
      if (candidates.length === 0) throw new AuthenticationError('invalid signature, no keys found');

      let payload: Uint8Array | undefined;
      const failures: AuthenticationError[] = [];
      for (const candidate of candidates) {
        try {
          const result = await compactVerify(token, candidate.key, {
            algorithms: ALLOWED_ALGORITHMS[candidate.key.asymmetricKeyType ?? ''] ?? [],
          });
          payload = result.payload;
          break;
        } catch {
          failures.push(new AuthenticationError('go-jose/go-jose: error in cryptographic primitive'));
        }
      }
      if (payload === undefined) throw aggregateError(failures);

      let claims: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
        if (!isRecord(parsed)) throw new Error('not an object');
        claims = parsed;
      } catch (err) {
        throw new AuthenticationError(`square/go-jose: ${asAuthenticationError(err).message}`);
      }

      const issuer = stringClaim(claims, 'iss') ?? '';
      if (!issuers.has(issuer)) throw new AuthenticationError(`token issuer ${goQuote(issuer)} is invalid`);

      const tokenAudiencesClaim = audienceClaim(claims);
      if (tokenAudiencesClaim === null) {
        throw new AuthenticationError(
          'service account token claims could not be validated due to unexpected validation error',
        );
      }
      // Tokens without aud predate TokenRequest and are only valid for the apiserver itself.
      const tokenAudiences = tokenAudiencesClaim.length === 0 ? opts.apiAudiences : tokenAudiencesClaim;
      const requested = audiences ?? opts.apiAudiences;
      const granted = intersectAudiences(tokenAudiences, requested);
      if (granted.length === 0 && opts.apiAudiences.length !== 0) {
        throw new AuthenticationError(
          `token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`,
        );
      }

      const info = await validate(token, claims, opts.lookups, clock());
      return { user: serviceAccountUserInfo(info), audiences: granted };
    },
  };
}

function checkTimeClaims(claims: Record<string, unknown>, nowSeconds: number): void {
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === null || nbf === null || iat === null) {
    throw new AuthenticationError(
      'service account token claims could not be validated due to unexpected validation error',
    );
  }
  const leeway = SERVICE_ACCOUNT_LEEWAY_SECONDS;
  if (nbf !== undefined && nowSeconds + leeway < nbf)
    throw new AuthenticationError('service account token is not valid yet');
  if (exp !== undefined && nowSeconds - leeway > exp)
    throw new AuthenticationError('service account token has expired');
  if (iat !== undefined && nowSeconds + leeway < iat) {
    // go-jose's "issued in the future" reaches upstream's opaque default branch.
    throw new AuthenticationError(
      'service account token claims could not be validated due to unexpected validation error',
    );
  }
}

function deletedBefore(obj: LiveObject, cutoff: Date): boolean {
  if (obj.deletionTimestamp === undefined) return false;
  const t = new Date(obj.deletionTimestamp);
  return !Number.isNaN(t.getTime()) && t < cutoff;
}

async function validateBoundClaims(
  _token: string,
  claims: Record<string, unknown>,
  lookups: AuthnLookups,
  now: Date,
): Promise<ServiceAccountInfo> {
  checkTimeClaims(claims, Math.floor(now.getTime() / 1000));
  const k8s =
    Object.hasOwn(claims, 'kubernetes.io') && isRecord(claims['kubernetes.io']) ? claims['kubernetes.io'] : {};
  const namespace = typeof k8s['namespace'] === 'string' ? k8s['namespace'] : '';
  const saRef = objectRef(k8s['serviceaccount']) ?? { name: '', uid: '' };
  const podRef = objectRef(k8s['pod']);
  const secretRef = objectRef(k8s['secret']);
  const nodeRef = objectRef(k8s['node']);
  // Objects deleted within the last leeway still count, so a token is not cut off mid-request.
  const cutoff = new Date(now.getTime() - SERVICE_ACCOUNT_LEEWAY_SECONDS * 1000);
  const invalidated = 'service account token has been invalidated';

  const sa = await lookups.serviceAccount(namespace, saRef.name);
  if (sa === undefined) throw new AuthenticationError(`serviceaccounts ${goQuote(saRef.name)} not found`);
  if (deletedBefore(sa, cutoff))
    throw new AuthenticationError(`service account ${namespace}/${saRef.name} has been deleted`);
  if (sa.uid !== saRef.uid)
    throw new AuthenticationError(`service account UID (${sa.uid}) does not match claim (${saRef.uid})`);

  if (secretRef !== undefined) {
    const secret = await lookups.secret(namespace, secretRef.name);
    if (secret === undefined || deletedBefore(secret, cutoff)) throw new AuthenticationError(invalidated);
    if (secret.uid !== secretRef.uid) {
      throw new AuthenticationError(
        `secret UID (${secret.uid}) does not match service account secret ref claim (${secretRef.uid})`,
      );
    }
  }

  const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
  if (podRef !== undefined) {
    const pod = await lookups.pod(namespace, podRef.name);
    if (pod === undefined || deletedBefore(pod, cutoff)) throw new AuthenticationError(invalidated);
    if (pod.uid !== podRef.uid) {
      throw new AuthenticationError(
        `pod UID (${pod.uid}) does not match service account pod ref claim (${podRef.uid})`,
      );
    }
    info.podName = podRef.name;
    info.podUid = podRef.uid;
  }

  if (nodeRef !== undefined) {
    if (podRef !== undefined) {
      // A pod-bound token only reports the pod's node; the pod check above is the binding.
      info.nodeName = nodeRef.name;
      info.nodeUid = nodeRef.uid;
    } else {
      const node = await lookups.node(nodeRef.name);
      if (node === undefined || deletedBefore(node, cutoff)) throw new AuthenticationError(invalidated);
      if (nodeRef.uid !== '' && nodeRef.uid !== node.uid) {
        throw new AuthenticationError(
          `node UID (${node.uid}) does not match service account node ref claim (${nodeRef.uid})`,
        );
      }
      info.nodeName = nodeRef.name;
      info.nodeUid = node.uid;
    }
  }

  const jti = stringClaim(claims, 'jti');
  if (jti) info.credentialId = `JTI=${jti}`;
  return info;
}

/** The issuer of tokens stored in kubernetes.io/service-account-token secrets. */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';
const LEGACY_CLAIM_PREFIX = 'kubernetes.io/serviceaccount/';

/**
 * Tokens-in-secrets (pre-TokenRequest): no expiry, so validity rests on the secret still
 * existing, holding exactly this token, not being marked invalid by the legacy token cleaner,
 * and the service account still having the uid the token names.
 */
export const validateLegacyClaims: ServiceAccountClaimsValidator = async (token, claims, lookups) => {
  const claim = (name: string) => stringClaim(claims, LEGACY_CLAIM_PREFIX + name) ?? '';
  const subject = stringClaim(claims, 'sub') ?? '';
  if (subject === '') throw new AuthenticationError('sub claim is missing');
  const namespace = claim('namespace');
  if (namespace === '') throw new AuthenticationError('namespace claim is missing');
  const secretName = claim('secret.name');
  if (secretName === '') throw new AuthenticationError('secretName claim is missing');
  const name = claim('service-account.name');
  if (name === '') throw new AuthenticationError('serviceAccountName claim is missing');
  const uid = claim('service-account.uid');
  if (uid === '') throw new AuthenticationError('serviceAccountUID claim is missing');
  if (subject !== serviceAccountUsername(namespace, name) || namespace.includes(':') || name.includes(':')) {
    throw new AuthenticationError('sub claim is invalid');
  }

  const secret = await lookups.secret(namespace, secretName);
  if (secret === undefined || secret.deletionTimestamp !== undefined)
    throw new AuthenticationError('Token has been invalidated');
  if (secret.tokenData !== token) throw new AuthenticationError("Token does not match server's copy");
  const sa = await lookups.serviceAccount(namespace, name);
  if (sa === undefined) throw new AuthenticationError(`serviceaccounts ${goQuote(name)} not found`);
  if (sa.deletionTimestamp !== undefined)
    throw new AuthenticationError(`ServiceAccount ${namespace}/${name} has been deleted`);
  if (sa.uid !== uid) throw new AuthenticationError(`ServiceAccount UID (${sa.uid}) does not match claim (${uid})`);
  if (secret.legacyTokenInvalidSince !== undefined) throw new AuthenticationError('Token has been invalidated');
  return { namespace, name, uid };
};

/** The legacy authenticator kube-apiserver runs over the same --service-account-key-file keys. */
export function legacyServiceAccountTokenAuthenticator(
  opts: Omit<ServiceAccountAuthenticatorOptions, 'issuers' | 'validator'>,
): TokenAuthenticator {
  return serviceAccountTokenAuthenticator({
    ...opts,
    issuers: [LEGACY_SERVICE_ACCOUNT_ISSUER],
    validator: validateLegacyClaims,
  });
}
