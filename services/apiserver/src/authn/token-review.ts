import { intersectAudiences, type Authenticator } from './authenticator';
import { type UserInfo } from './user';

export interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

export type TokenReviewOutcome =
  | { kind: 'status'; status: TokenReviewStatus }
  /** 400 BadRequest, upstream's message. */
  | { kind: 'badRequest'; message: string }
  /** 500 InternalError: the authenticator granted audiences outside the requested ones. */
  | { kind: 'internalError'; message: string };

function userInfoJson(user: UserInfo): NonNullable<TokenReviewStatus['user']> {
  const out: NonNullable<TokenReviewStatus['user']> = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length > 0) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

/**
 * TokenReview create as upstream's REST storage runs it: the token is authenticated as if sent
 * in `Authorization: Bearer`, against spec.audiences (or the api audiences when none), and the
 * outcome reported in status rather than as an HTTP error. The authenticator should be the
 * request authenticator the server uses (buildAuthenticator's result).
 */
export async function reviewToken(
  authenticator: Authenticator,
  token: string,
  audiences: string[] | undefined,
  apiAudiences: string[],
): Promise<TokenReviewOutcome> {
  if (token === '') return { kind: 'badRequest', message: 'token is required for TokenReview in authentication' };
  const auds = audiences !== undefined && audiences.length > 0 ? audiences : apiAudiences;
  const status: TokenReviewStatus = {};
  try {
    const resp = await authenticator.authenticate({
      headers: { authorization: `Bearer ${token}` },
      peerCertificates: [],
      audiences: auds.length > 0 ? auds : undefined,
    });
    // Anonymous is not "authenticated" for a token review: the token itself was not accepted.
    if (resp !== null && resp.user.name !== 'system:anonymous') {
      if (auds.length > 0 && intersectAudiences(auds, resp.audiences ?? []).length === 0) {
        return { kind: 'internalError', message: 'error validating audiences' };
      }
      status.authenticated = true;
      status.user = userInfoJson(resp.user);
      if (resp.audiences && resp.audiences.length > 0) status.audiences = [...resp.audiences];
    }
  } catch (err) {
    status.error = err instanceof Error ? err.message : String(err);
  }
  return { kind: 'status', status };
}
