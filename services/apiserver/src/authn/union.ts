import {
  AuthenticationError,
  aggregateError,
  asAuthenticationError,
  intersectAudiences,
  type AuthnRequest,
  type AuthnResponse,
  type Authenticator,
  type TokenAuthenticator,
} from './authenticator';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, anonymousUser } from './user';

/**
 * First success wins, even after an earlier authenticator failed; if none succeeds, the
 * collected failures (if any) are thrown together, otherwise no opinion. Errors that are not
 * AuthenticationError (a lookup failing, a library bug) count as failures too, so callers only
 * ever see AuthenticationError.
 */
export function unionAuthenticator(authenticators: Authenticator[]): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      const failures: AuthenticationError[] = [];
      for (const a of authenticators) {
        try {
          const resp = await a.authenticate(req);
          if (resp !== null) return resp;
        } catch (err) {
          failures.push(asAuthenticationError(err));
        }
      }
      if (failures.length > 0) throw aggregateError(failures);
      return null;
    },
  };
}

/** The same union over bearer-token authenticators. */
export function unionTokenAuthenticator(authenticators: TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResponse | null> {
      const failures: AuthenticationError[] = [];
      for (const a of authenticators) {
        try {
          const resp = await a.authenticateToken(token, audiences);
          if (resp !== null) return resp;
        } catch (err) {
          failures.push(asAuthenticationError(err));
        }
      }
      if (failures.length > 0) throw aggregateError(failures);
      return null;
    },
  };
}

/**
 * Tries `primary`; anonymous only when it had no opinion. A failed credential stays a failure
 * (401), never silently anonymous.
 */
export function failOnErrorThenAnonymous(primary: Authenticator | null): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (primary !== null) {
        let resp: AuthnResponse | null;
        try {
          resp = await primary.authenticate(req);
        } catch (err) {
          throw asAuthenticationError(err);
        }
        if (resp !== null) return resp;
      }
      return { user: anonymousUser() };
    },
  };
}

/** Adds system:authenticated to every authenticated user that is not anonymous and has neither marker group. */
export function authenticatedGroupAdder(inner: Authenticator): Authenticator {
  // a cached token answers with the same response object each time: its decorated copy is reused
  const decorated = new WeakMap<AuthnResponse, AuthnResponse>();
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      const resp = await inner.authenticate(req);
      if (resp === null || resp.user.name === ANONYMOUS_USER) return resp;
      const groups = resp.user.groups;
      if (groups.includes(ALL_AUTHENTICATED) || groups.includes(ALL_UNAUTHENTICATED)) return resp;
      let out = decorated.get(resp);
      if (!out) {
        out = { ...resp, user: { ...resp.user, groups: [...groups, ALL_AUTHENTICATED] } };
        decorated.set(resp, out);
      }
      return out;
    },
  };
}

/**
 * Authenticators whose credentials carry no audience (certificates, front proxy, token file,
 * OIDC) are valid exactly for the server's api audiences: with target audiences set they only
 * answer when those intersect, and report the intersection.
 */
export function audienceAgnostic(apiAudiences: string[], inner: Authenticator): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (req.audiences === undefined) return inner.authenticate(req);
      const granted = intersectAudiences(apiAudiences, req.audiences);
      if (granted.length === 0) return null;
      const resp = await inner.authenticate(req);
      return resp === null ? null : { ...resp, audiences: granted };
    },
  };
}

export function audienceAgnosticToken(apiAudiences: string[], inner: TokenAuthenticator): TokenAuthenticator {
  return {
    async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResponse | null> {
      if (audiences === undefined) return inner.authenticateToken(token);
      const granted = intersectAudiences(apiAudiences, audiences);
      if (granted.length === 0) return null;
      const resp = await inner.authenticateToken(token);
      return resp === null ? null : { ...resp, audiences: granted };
    },
  };
}
