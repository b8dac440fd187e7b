import { cachedTokenAuthenticator } from './token-cache';
import {
  AuthenticationError,
  intersectAudiences,
  type AuthnRequest,
  type AuthnResponse,
  type Authenticator,
  type TokenAuthenticator,
} from './authenticator';
import type { AuthenticationConfiguration } from './authentication-config';
import { bearerTokenAuthenticator, webSocketProtocolAuthenticator } from './bearer';
import { jwtAuthenticator, type JwtAuthenticatorOptions } from './jwt-authenticator';
import { requestHeaderAuthenticator, type RequestHeaderConfig } from './request-header';
import { parseServiceAccountKeyFile } from './sa-keys';
import {
  legacyServiceAccountTokenAuthenticator,
  serviceAccountTokenAuthenticator,
  type AuthnLookups,
} from './service-account';
import { parseTokenFile, tokenFileAuthenticator } from './token-file';
import {
  audienceAgnostic,
  audienceAgnosticToken,
  authenticatedGroupAdder,
  failOnErrorThenAnonymous,
  unionAuthenticator,
  unionTokenAuthenticator,
} from './union';
import { anonymousUser } from './user';
import { x509Authenticator } from './x509';

export * from './authenticator';
export * from './user';
export type { AuthnLookups, LiveObject } from './service-account';
export type { RequestHeaderConfig } from './request-header';
export {
  parseAuthenticationConfig,
  validateAuthenticationConfig,
  AuthenticationConfigError,
} from './authentication-config';
export type { AuthenticationConfiguration, JWTAuthenticatorConfig } from './authentication-config';
export {
  mintServiceAccountToken,
  validateTokenRequest,
  boundObjectRefError,
  effectiveTokenLifetime,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
} from './sa-token';
export type {
  MintServiceAccountTokenOptions,
  MintedToken,
  TokenRequestSpec,
  FieldError,
  BoundObject,
} from './sa-token';
export {
  openIdConfiguration,
  jwksDocument,
  defaultJwksUri,
  DISCOVERY_CACHE_CONTROL,
  OPENID_CONFIGURATION_PATH,
  JWKS_PATH,
  JWKS_CONTENT_TYPE,
} from './sa-discovery';
export {
  generateServiceAccountSigningKey,
  parseServiceAccountKeyFile,
  parseSigningKey,
  keyIdForPublicKey,
} from './sa-keys';
export { reviewToken } from './token-review';
export type { TokenReviewOutcome, TokenReviewStatus } from './token-review';
export { extractBearerToken } from './bearer';

/** Plain values of the kube-apiserver authentication flags of the same names. */
export interface AuthnConfig {
  /** --client-ca-file contents. */
  clientCAPem?: string;
  /** --token-auth-file contents. */
  tokenAuthFileCsv?: string;
  /** --service-account-key-file contents, one entry per file (PEM public keys, certificates or a private key). */
  serviceAccountPublicKeysPem: string[];
  /** --service-account-issuer (repeatable): all accepted; the first is the one tokens are signed with. */
  serviceAccountIssuers: string[];
  /** --api-audiences; empty defaults to serviceAccountIssuers as upstream. */
  apiAudiences: string[];
  /** Parsed --authentication-config (see parseAuthenticationConfig). */
  authenticationConfig?: AuthenticationConfiguration;
  /** --requestheader-client-ca-file and friends; absent when no request-header CA is configured. */
  requestHeader?: RequestHeaderConfig;
  /** --anonymous-auth (default true); the config file's `anonymous` takes over when set. */
  anonymous: boolean;
}

export interface BuildOptions {
  clock?: () => Date;
  /** How long a successful token authentication is remembered; 0 turns the cache off (unit tests). */
  tokenCacheTtlMs?: number;
  /** Warnings found while building (token file duplicates...); upstream logs them. */
  onWarning?: (message: string) => void;
  jwt?: JwtAuthenticatorOptions;
}

/** The api audiences in force: --api-audiences, else the service-account issuers. */
export function effectiveApiAudiences(config: Pick<AuthnConfig, 'apiAudiences' | 'serviceAccountIssuers'>): string[] {
  return config.apiAudiences.length > 0 ? config.apiAudiences : config.serviceAccountIssuers;
}

/**
 * The request authenticator kube-apiserver composes from its flags, in upstream's order: front
 * proxy, client certificate, then bearer token (Authorization header, then WebSocket
 * subprotocol) checked by token file, service-account keys and the configured JWT issuers.
 * First success wins; if all fail it throws AuthenticationError (answer 401); with nothing
 * presented it returns anonymous when enabled, else null (also 401). `system:authenticated`
 * is added to every non-anonymous user. Successful responses list the credential headers to
 * strip (stripHeaders / setHeaders): the caller removes them, as upstream does.
 */
export function buildAuthenticator(
  config: AuthnConfig,
  lookups: AuthnLookups,
  options: BuildOptions = {},
): Authenticator {
  const apiAudiences = effectiveApiAudiences(config);
  const clock = options.clock;
  const requestAuthenticators: Authenticator[] = [];
  if (config.requestHeader) {
    requestAuthenticators.push(audienceAgnostic(apiAudiences, requestHeaderAuthenticator(config.requestHeader, clock)));
  }
  if (config.clientCAPem)
    requestAuthenticators.push(audienceAgnostic(apiAudiences, x509Authenticator(config.clientCAPem, clock)));

  const tokenAuthenticators: TokenAuthenticator[] = [];
  if (config.tokenAuthFileCsv !== undefined) {
    const parsed = parseTokenFile(config.tokenAuthFileCsv);
    parsed.warnings.forEach((w) => options.onWarning?.(w));
    tokenAuthenticators.push(audienceAgnosticToken(apiAudiences, tokenFileAuthenticator(parsed.tokens)));
  }
  const saKeys = config.serviceAccountPublicKeysPem.flatMap((pem) => parseServiceAccountKeyFile(pem));
  if (saKeys.length > 0) {
    tokenAuthenticators.push(legacyServiceAccountTokenAuthenticator({ keys: saKeys, apiAudiences, lookups, clock }));
  }
  if (config.serviceAccountIssuers.length > 0 && saKeys.length > 0) {
    tokenAuthenticators.push(
      serviceAccountTokenAuthenticator({
        issuers: config.serviceAccountIssuers,
        keys: saKeys,
        apiAudiences,
        lookups,
        clock,
      }),
    );
  }
  // After service accounts: both verify JWTs, and a miss here may make the OIDC one refetch keys.
  for (const jwt of config.authenticationConfig?.jwt ?? []) {
    tokenAuthenticators.push(audienceAgnosticToken(apiAudiences, jwtAuthenticator(jwt, { clock, ...options.jwt })));
  }
  if (tokenAuthenticators.length > 0) {
    const union = unionTokenAuthenticator(tokenAuthenticators);
    const tokens =
      options.tokenCacheTtlMs === 0 ? union : cachedTokenAuthenticator(union, { ttlMs: options.tokenCacheTtlMs });
    requestAuthenticators.push(bearerTokenAuthenticator(tokens), webSocketProtocolAuthenticator(tokens));
  }

  const anonymousConfig = config.authenticationConfig?.anonymous;
  const anonymousEnabled = anonymousConfig ? anonymousConfig.enabled : config.anonymous;
  const anonymousPaths = anonymousConfig?.conditions?.map((c) => c.path) ?? [];

  const chain =
    requestAuthenticators.length > 0 ? authenticatedGroupAdder(unionAuthenticator(requestAuthenticators)) : null;
  const withAnonymous = anonymousEnabled ? failOnErrorThenAnonymous(chain) : chain;
  // a cached token answers with the same response each time: whether its audiences meet the
  // api audiences is worked out once
  const meetsApiAudiences = new WeakMap<AuthnResponse, boolean>();
  const audiencesMeet = (target: string[], resp: AuthnResponse, audiences: string[]): boolean => {
    if (target !== apiAudiences) return intersectAudiences(target, audiences).length > 0;
    let meets = meetsApiAudiences.get(resp);
    if (meets === undefined) {
      meets = intersectAudiences(target, audiences).length > 0;
      meetsApiAudiences.set(resp, meets);
    }
    return meets;
  };

  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      const resp = withAnonymous === null ? null : await withAnonymous.authenticate(req);
      if (resp === null) return null;
      if (
        resp.user.name === anonymousUser().name &&
        anonymousPaths.length > 0 &&
        !anonymousPaths.includes(req.path ?? '')
      ) {
        return null;
      }
      // The authentication filter's last check: a credential for some other audience is refused.
      const target = req.audiences ?? apiAudiences;
      if (
        target.length > 0 &&
        resp.audiences &&
        resp.audiences.length > 0 &&
        !audiencesMeet(target, resp, resp.audiences)
      ) {
        throw new AuthenticationError('token audiences do not match the api audiences');
      }
      return resp;
    },
  };
}
