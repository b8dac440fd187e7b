import { hash, randomBytes } from 'node:crypto';
import type { AuthnResponse, TokenAuthenticator } from './authenticator';

/** Upstream caches successful token authentications this long (its token cache's success TTL). */
export const TOKEN_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * Remembers successful token authentications for a few seconds, as kube-apiserver's
 * token cache does, so a client's every request does not re-verify a signature and
 * re-read its ServiceAccount. Failures are not cached. Tokens are kept only as a
 * salted hash. A revoked token (deleted ServiceAccount or bound object) is refused
 * at the latest once its entry expires.
 */
export function cachedTokenAuthenticator(
  inner: TokenAuthenticator,
  opts: { ttlMs?: number; now?: () => number } = {},
): TokenAuthenticator {
  const ttl = opts.ttlMs ?? TOKEN_CACHE_TTL_MS;
  const now = opts.now ?? Date.now;
  const salt = randomBytes(16).toString('base64');
  const entries = new Map<string, { resp: AuthnResponse; until: number }>();
  return {
    async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResponse | null> {
      // one-shot hash: every request of a token-authenticated client pays this
      const key = hash('sha256', `${salt}${token}\0${(audiences ?? []).join('\0')}`, 'base64');
      const hit = entries.get(key);
      const t = now();
      if (hit && hit.until > t) return hit.resp;
      if (hit) entries.delete(key);
      const resp = await inner.authenticateToken(token, audiences);
      if (resp !== null) {
        if (entries.size >= MAX_ENTRIES) {
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entries.set(key, { resp, until: t + ttl });
      }
      return resp;
    },
  };
}
