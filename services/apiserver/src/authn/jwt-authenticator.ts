import type { createLocalJWKSet, JSONWebKeySet } from 'jose';
import {
  AuthenticationError,
  asAuthenticationError,
  type AuthnResponse,
  type TokenAuthenticator,
} from './authenticator';
import type { ClaimValidationRule, ExtraMapping, JWTAuthenticatorConfig } from './authentication-config';
import { celErrorMessage, compileCel, type CompiledExpression } from './cel';
import { goQuote, goQuoteList } from './go-format';
import { loadJose } from './jose';
import { fetchJson } from './oidc-fetch';
import { audienceClaim, isRecord, unverifiedClaims } from './service-account';
import type { UserInfo } from './user';

/** Upstream accepts these for JWT authenticators (no HMAC, no "none"). */
const ALLOWED_SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
/** go-oidc tolerates this much clock skew on nbf (none on exp). */
const NBF_LEEWAY_SECONDS = 5 * 60;
/** Unknown key ids trigger a key refetch at most this often, so garbage tokens cannot hammer the issuer. */
const KEY_REFRESH_MIN_INTERVAL_MS = 10_000;

export interface JwtAuthenticatorOptions {
  clock?: () => Date;
  /** Replaces the HTTPS fetch (tests, or a lead that wants its own client). */
  fetchJson?: (url: string, caPem?: string) => Promise<unknown>;
}

interface Compiled {
  username?: CompiledExpression;
  groups?: CompiledExpression;
  uid?: CompiledExpression;
  extra: Array<{ key: string; expression: string; fn: CompiledExpression }>;
  claimRules: Array<{ fn: CompiledExpression; message: string; expression: string }>;
  requiredClaims: Array<{ claim: string; value: string }>;
  userRules: Array<{ fn: CompiledExpression; message: string; expression: string }>;
}

function compile(config: JWTAuthenticatorConfig): Compiled {
  const m = config.claimMappings;
  const c: Compiled = { extra: [], claimRules: [], requiredClaims: [], userRules: [] };
  if (m.username.expression) c.username = compileCel(m.username.expression, 'claims');
  if (m.groups?.expression) c.groups = compileCel(m.groups.expression, 'claims');
  if (m.uid?.expression) c.uid = compileCel(m.uid.expression, 'claims');
  for (const e of m.extra ?? ([] as ExtraMapping[])) {
    c.extra.push({ key: e.key, expression: e.valueExpression, fn: compileCel(e.valueExpression, 'claims') });
  }
  for (const rule of config.claimValidationRules ?? ([] as ClaimValidationRule[])) {
    if (rule.expression) {
      c.claimRules.push({
        fn: compileCel(rule.expression, 'claims'),
        message: rule.message ?? '',
        expression: rule.expression,
      });
    } else if (rule.claim) {
      c.requiredClaims.push({ claim: rule.claim, value: rule.requiredValue ?? '' });
    }
  }
  for (const rule of config.userValidationRules ?? []) {
    c.userRules.push({
      fn: compileCel(rule.expression, 'user'),
      message: rule.message ?? '',
      expression: rule.expression,
    });
  }
  return c;
}

/** Go's time.Time String() in UTC, which go-oidc prints in its expiry error. */
function goTimeString(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

function claimString(claims: Record<string, unknown>, claim: string, what: string): string {
  if (!Object.hasOwn(claims, claim))
    throw new AuthenticationError(`oidc: parse ${what} ${goQuote(claim)}: claim not present`);
  const v = claims[claim];
  if (typeof v !== 'string') {
    throw new AuthenticationError(
      `oidc: parse ${what} ${goQuote(claim)}: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`,
    );
  }
  return v;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** A CEL result that must be a string or list of strings (groups, extra). */
function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  throw new Error('expression must return a string or a list of strings');
}

function toUserObject(user: UserInfo): Record<string, unknown> {
  return { username: user.name, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} };
}

/**
 * One `jwt:` entry of the AuthenticationConfiguration: an OIDC issuer whose discovery document
 * and keys are fetched over HTTPS on first use (retried on the next token if the issuer was
 * unreachable), tokens verified against those keys, then mapped to a user by claims or CEL.
 */
export function jwtAuthenticator(
  config: JWTAuthenticatorConfig,
  options: JwtAuthenticatorOptions = {},
): TokenAuthenticator {
  const issuerUrl = config.issuer.url;
  const audiences = new Set(config.issuer.audiences);
  const compiled = compile(config);
  const clock = options.clock ?? (() => new Date());
  const get = options.fetchJson ?? fetchJson;
  const ca = config.issuer.certificateAuthority || undefined;

  let jwksUri: string | undefined;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let knownKids = new Set<string>();
  let lastKeyFetch = 0;
  let initializing: Promise<void> | undefined;

  async function loadKeys(): Promise<void> {
    if (jwksUri === undefined) {
      const discoveryUrl =
        config.issuer.discoveryURL || `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const doc = await get(discoveryUrl, ca);
      if (!isRecord(doc)) throw new Error('oidc: failed to decode provider discovery object');
      if (doc['issuer'] !== issuerUrl) {
        throw new Error(
          `oidc: issuer did not match the issuer returned by provider, expected ${goQuote(issuerUrl)} got ${goQuote(String(doc['issuer']))}`,
        );
      }
      if (typeof doc['jwks_uri'] !== 'string') throw new Error('oidc: provider discovery object has no jwks_uri');
      jwksUri = doc['jwks_uri'];
    }
    lastKeyFetch = Date.now();
    const jwks = await get(jwksUri, ca);
    if (!isRecord(jwks) || !Array.isArray(jwks['keys'])) throw new Error('oidc: failed to decode keys');
    keySet = (await loadJose()).createLocalJWKSet(jwks as unknown as JSONWebKeySet);
    knownKids = new Set(
      (jwks['keys'] as unknown[]).flatMap((k) => (isRecord(k) && typeof k['kid'] === 'string' ? [k['kid']] : [])),
    );
  }

  async function ensureInitialized(): Promise<void> {
    if (keySet !== undefined) return;
    initializing ??= loadKeys().finally(() => {
      initializing = undefined;
    });
    try {
      await initializing;
    } catch {
      throw new AuthenticationError('oidc: authenticator not initialized');
    }
  }

  async function verifySignature(token: string): Promise<void> {
    const { compactVerify, decodeProtectedHeader } = await loadJose();
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      kid = typeof header.kid === 'string' ? header.kid : undefined;
      if (typeof header.alg !== 'string' || !ALLOWED_SIGNING_ALGORITHMS.includes(header.alg)) {
        throw new AuthenticationError(
          `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${goQuoteList(ALLOWED_SIGNING_ALGORITHMS)} got ${goQuote(String(header.alg))}`,
        );
      }
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new AuthenticationError(`oidc: verify token: oidc: malformed jwt: ${asAuthenticationError(err).message}`);
    }
    // A key the issuer rotated in since we last looked: refetch once, rate limited.
    if (kid !== undefined && !knownKids.has(kid) && Date.now() - lastKeyFetch > KEY_REFRESH_MIN_INTERVAL_MS) {
      await loadKeys().catch(() => undefined);
    }
    const keys = keySet;
    if (keys === undefined) throw new AuthenticationError('oidc: authenticator not initialized');
    try {
      await compactVerify(token, keys, { algorithms: ALLOWED_SIGNING_ALGORITHMS });
    } catch (err) {
      throw new AuthenticationError(
        `oidc: verify token: failed to verify signature: ${asAuthenticationError(err).message}`,
      );
    }
  }

  function checkStandardClaims(claims: Record<string, unknown>): void {
    const iss = claims['iss'];
    if (iss !== issuerUrl) {
      throw new AuthenticationError(
        `oidc: verify token: oidc: id token issued by a different provider, expected ${goQuote(issuerUrl)} got ${goQuote(String(iss))}`,
      );
    }
    const now = Math.floor(clock().getTime() / 1000);
    const exp = typeof claims['exp'] === 'number' ? claims['exp'] : 0;
    if (now > exp)
      throw new AuthenticationError(`oidc: verify token: oidc: token is expired (Token Expiry: ${goTimeString(exp)})`);
    const nbf = claims['nbf'];
    if (typeof nbf === 'number' && now + NBF_LEEWAY_SECONDS < nbf) {
      throw new AuthenticationError(
        `oidc: verify token: oidc: current time ${goTimeString(now)} before the nbf (not before) time: ${goTimeString(nbf)}`,
      );
    }
    const tokenAudiences = audienceClaim(claims) ?? [];
    if (!tokenAudiences.some((a) => audiences.has(a))) {
      throw new AuthenticationError(
        `oidc: verify token: oidc: expected audience in ${goQuoteList([...audiences].sort())} got ${goQuoteList(tokenAudiences)}`,
      );
    }
  }

  function evaluate(fn: CompiledExpression, input: unknown, what: string): unknown {
    try {
      return fn(input);
    } catch (err) {
      throw new AuthenticationError(`oidc: error evaluating ${what}: ${celErrorMessage(err)}`);
    }
  }

  function mapUser(claims: Record<string, unknown>): UserInfo {
    const m = config.claimMappings;
    let name: string;
    if (compiled.username) {
      const v = evaluate(compiled.username, claims, 'username claim expression');
      if (typeof v !== 'string') {
        throw new AuthenticationError(
          'oidc: error evaluating username claim expression: username claim expression must return a string',
        );
      }
      name = v;
    } else {
      const claim = m.username.claim ?? '';
      name = claimString(claims, claim, 'username claims');
      if (claim === 'email' && Object.hasOwn(claims, 'email_verified')) {
        const verified = claims['email_verified'];
        if (typeof verified !== 'boolean') {
          throw new AuthenticationError(
            `oidc: parse 'email_verified' claim: json: cannot unmarshal ${jsonKind(verified)} into Go value of type bool`,
          );
        }
        if (!verified) throw new AuthenticationError('oidc: email not verified');
      }
      if (m.username.prefix) name = m.username.prefix + name;
    }

    let groups: string[] = [];
    const groupsClaim = m.groups?.claim;
    if (groupsClaim) {
      if (Object.hasOwn(claims, groupsClaim)) {
        // A single string is accepted as one group, as upstream allows for "role"-style claims.
        const v = claims[groupsClaim];
        if (typeof v === 'string') groups = [v];
        else if (Array.isArray(v) && v.every((g): g is string => typeof g === 'string')) groups = [...v];
        else
          throw new AuthenticationError(
            `oidc: parse groups claim ${goQuote(groupsClaim)}: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`,
          );
        const prefix = m.groups?.prefix;
        if (prefix) groups = groups.map((g) => prefix + g);
      }
    } else if (compiled.groups) {
      try {
        groups = toStringList(evaluate(compiled.groups, claims, 'group claim expression'));
      } catch (err) {
        if (err instanceof AuthenticationError) throw err;
        throw new AuthenticationError(`oidc: error evaluating group claim expression: ${celErrorMessage(err)}`);
      }
    }

    const user: UserInfo = { name, groups };
    const uidClaim = m.uid?.claim;
    if (uidClaim) {
      user.uid = claimString(claims, uidClaim, 'uid claim');
    } else if (compiled.uid) {
      const v = evaluate(compiled.uid, claims, 'uid claim expression');
      if (typeof v !== 'string')
        throw new AuthenticationError(
          'oidc: error evaluating uid claim expression: uid claim expression must return a string',
        );
      user.uid = v;
    }

    const extra = new Map<string, string[]>();
    for (const e of compiled.extra) {
      let values: string[];
      try {
        values = toStringList(evaluate(e.fn, claims, 'extra claim expression'));
      } catch (err) {
        if (err instanceof AuthenticationError) throw err;
        throw new AuthenticationError(
          `oidc: error evaluating extra claim expression: ${e.expression}: ${celErrorMessage(err)}`,
        );
      }
      if (values.length > 0) extra.set(e.key, values);
    }
    if (extra.size > 0) user.extra = Object.fromEntries(extra);
    return user;
  }

  function checkRules(claims: Record<string, unknown>, user: UserInfo): void {
    for (const { claim, value } of compiled.requiredClaims) {
      if (!Object.hasOwn(claims, claim))
        throw new AuthenticationError(`oidc: required claim ${claim} not present in ID token`);
      const v = claims[claim];
      if (typeof v !== 'string') {
        throw new AuthenticationError(
          `oidc: parse claim ${claim}: json: cannot unmarshal ${jsonKind(v)} into Go value of type string`,
        );
      }
      if (v !== value)
        throw new AuthenticationError(
          `oidc: required claim ${claim} value does not match. Got = ${v}, want = ${value}`,
        );
    }
    for (const rule of compiled.claimRules) {
      const result = evaluate(rule.fn, claims, 'claim validation expression');
      if (typeof result !== 'boolean') {
        throw new AuthenticationError(
          `oidc: error evaluating claim validation expression: validation expression must return a boolean`,
        );
      }
      if (!result) throw new AuthenticationError(`oidc: error evaluating claim validation expression: ${rule.message}`);
    }
    const userObject = toUserObject(user);
    for (const rule of compiled.userRules) {
      const result = evaluate(rule.fn, userObject, 'user info validation rule');
      if (typeof result !== 'boolean') {
        throw new AuthenticationError(
          'oidc: error evaluating user info validation rule: validation expression must return a boolean',
        );
      }
      if (!result) throw new AuthenticationError(`oidc: error evaluating user info validation rule: ${rule.message}`);
    }
  }

  return {
    async authenticateToken(token: string): Promise<AuthnResponse | null> {
      const unverified = unverifiedClaims(token);
      if (unverified === null || unverified['iss'] !== issuerUrl) return null;
      await ensureInitialized();
      await verifySignature(token);
      // The payload is now trusted; the unverified parse above is the same bytes.
      checkStandardClaims(unverified);
      const user = mapUser(unverified);
      checkRules(unverified, user);
      return { user };
    },
  };
}
