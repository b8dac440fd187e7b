import { randomUUID, type KeyObject } from 'node:crypto';
import { loadJose } from './jose';
import { keyIdForPublicKey, parseSigningKey, signingAlgorithmFor } from './sa-keys';
import { serviceAccountUsername } from './service-account';

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface MintServiceAccountTokenOptions {
  /** PEM of --service-account-signing-key-file, or an already parsed private key. */
  signingKeyPem: string | KeyObject;
  issuer: string;
  audiences: string[];
  expirationSeconds: number;
  namespace: string;
  serviceAccount: { name: string; uid: string };
  boundObject?: BoundObject;
  /** The node a bound pod runs on; upstream embeds it in pod-bound tokens (ServiceAccountTokenPodNodeInfo). */
  node?: { name: string; uid: string };
  /** Seconds after issue when a kubelet-refreshed token is considered stale (upstream's warnafter). */
  warnAfterSeconds?: number;
  /** Defaults to a random UUID, as upstream's ServiceAccountTokenJTI. */
  jti?: string;
  now?: Date;
}

export interface MintedToken {
  token: string;
  /** RFC 3339, second precision: TokenRequest status.expirationTimestamp. */
  expirationTimestamp: string;
  /** The jti, for the issued-credential-id audit annotation (`JTI=<jti>`). */
  jti: string;
}

/** Same key order as upstream's tokens (go-jose merges claims into a map, so keys sort). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Signs a bound service-account token as the TokenRequest subresource returns it. */
export async function mintServiceAccountToken(opts: MintServiceAccountTokenOptions): Promise<MintedToken> {
  const key = typeof opts.signingKeyPem === 'string' ? parseSigningKey(opts.signingKeyPem) : opts.signingKeyPem;
  const alg = signingAlgorithmFor(key);
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const exp = nowSeconds + opts.expirationSeconds;
  const jti = opts.jti ?? randomUUID();

  const kubernetes: Record<string, unknown> = {
    namespace: opts.namespace,
    serviceaccount: { name: opts.serviceAccount.name, uid: opts.serviceAccount.uid },
  };
  if (opts.boundObject) {
    const ref = { name: opts.boundObject.name, uid: opts.boundObject.uid };
    if (opts.boundObject.kind === 'Pod') {
      kubernetes['pod'] = ref;
      if (opts.node) kubernetes['node'] = { name: opts.node.name, uid: opts.node.uid };
    } else if (opts.boundObject.kind === 'Secret') kubernetes['secret'] = ref;
    else kubernetes['node'] = ref;
  }
  if (opts.warnAfterSeconds) kubernetes['warnafter'] = nowSeconds + opts.warnAfterSeconds;

  const claims = sortKeys({
    aud: opts.audiences,
    exp,
    iat: nowSeconds,
    iss: opts.issuer,
    jti,
    'kubernetes.io': kubernetes,
    nbf: nowSeconds,
    sub: serviceAccountUsername(opts.namespace, opts.serviceAccount.name),
  });
  const { CompactSign } = await loadJose();
  const token = await new CompactSign(Buffer.from(JSON.stringify(claims)))
    .setProtectedHeader({ alg, kid: keyIdForPublicKey(key) })
    .sign(key);
  return { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), jti };
}

export interface FieldError {
  /** e.g. `spec.expirationSeconds` */
  field: string;
  /** Upstream's field.ErrorType reason as it appears in Status causes, e.g. FieldValueInvalid. */
  type: 'FieldValueInvalid';
  value: unknown;
  detail: string;
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

/** Upstream's defaulting of a TokenRequest: one hour. Audiences default to the api audiences in the REST layer. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
const MIN_TOKEN_EXPIRATION_SECONDS = 10 * 60;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

/** API validation of a (defaulted) TokenRequest; the Invalid (422) causes upstream reports. */
export function validateTokenRequest(spec: TokenRequestSpec): FieldError[] {
  const errors: FieldError[] = [];
  const exp = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const field = 'spec.expirationSeconds';
  if (exp < MIN_TOKEN_EXPIRATION_SECONDS) {
    errors.push({
      field,
      type: 'FieldValueInvalid',
      value: exp,
      detail: 'may not specify a duration less than 10 minutes',
    });
  }
  if (exp > MAX_TOKEN_EXPIRATION_SECONDS) {
    errors.push({
      field,
      type: 'FieldValueInvalid',
      value: exp,
      detail: 'may not specify a duration larger than 2^32 seconds',
    });
  }
  return errors;
}

/**
 * The bound-object kind check the TokenRequest REST handler makes before looking the object
 * up: only core/v1 Pod, Secret and Node. Returns the BadRequest (400) message, or null.
 */
export function boundObjectRefError(ref: TokenRequestSpec['boundObjectRef']): string | null {
  if (ref === undefined) return null;
  const apiVersion = ref.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const kind = ref.kind ?? '';
  if (group === '' && (kind === 'Pod' || kind === 'Secret' || kind === 'Node')) return null;
  return `cannot bind token to object of type ${group}/${version}, Kind=${kind}`;
}

/** kubelet asks for exactly this when it wants an extended, warn-only token for a pod. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;

/**
 * The lifetime actually signed: --service-account-max-token-expiration caps it silently, and
 * with --service-account-extend-token-expiration a pod-bound 3607 s request gets a year with a
 * warnafter at 3607 s.
 */
export function effectiveTokenLifetime(
  requestedSeconds: number,
  opts: { maxExpirationSeconds?: number; extendExpiration?: boolean; podBound?: boolean },
): { expirationSeconds: number; warnAfterSeconds?: number } {
  let expirationSeconds = requestedSeconds;
  let warnAfterSeconds: number | undefined;
  if (opts.extendExpiration && opts.podBound && requestedSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS) {
    warnAfterSeconds = WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS;
    expirationSeconds = EXPIRATION_EXTENSION_SECONDS;
  }
  if (opts.maxExpirationSeconds && opts.maxExpirationSeconds > 0 && expirationSeconds > opts.maxExpirationSeconds) {
    expirationSeconds = opts.maxExpirationSeconds;
  }
  return warnAfterSeconds === undefined ? { expirationSeconds } : { expirationSeconds, warnAfterSeconds };
}

/**
 * The never-expiring token the tokens controller stores in a kubernetes.io/service-account-token
 * secret (`data.token`), signed like upstream's legacy tokens with issuer kubernetes/serviceaccount.
 */
export async function mintLegacyServiceAccountToken(opts: {
  signingKeyPem: string | KeyObject;
  namespace: string;
  serviceAccount: { name: string; uid: string };
  secretName: string;
}): Promise<string> {
  const key = typeof opts.signingKeyPem === 'string' ? parseSigningKey(opts.signingKeyPem) : opts.signingKeyPem;
  const claims = sortKeys({
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': opts.namespace,
    'kubernetes.io/serviceaccount/secret.name': opts.secretName,
    'kubernetes.io/serviceaccount/service-account.name': opts.serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': opts.serviceAccount.uid,
    sub: serviceAccountUsername(opts.namespace, opts.serviceAccount.name),
  });
  const { CompactSign } = await loadJose();
  return new CompactSign(Buffer.from(JSON.stringify(claims)))
    .setProtectedHeader({ alg: signingAlgorithmFor(key), kid: keyIdForPublicKey(key) })
    .sign(key);
}
