import { hash, randomBytes } from 'node:crypto';
import type { AuthnResponse, TokenAuthenticator } from './authenticator';

/** Upstream caches successful token authentications this long (its token cache's success TTL). */
export const TOKEN_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/** The last token a connection presented and the cache key it hashed to. */
interface ConnectionMemo {
  token: string;
  audiences: string;
  key: string;
}

/**
 * Remembers successful token authentications for a few seconds, as kube-apiserver's
 * token cache does, so a client's every request does not re-verify a signature and
 * re-read its ServiceAccount. Failures are not cached. Tokens are kept only as a
 * salted hash. A revoked token (deleted ServiceAccount or bound object) is refused
 * at the latest once its entry expires.
 *
 * Hashing a ~1 KB ServiceAccount token costs more than the rest of authentication, so each
 * connection remembers the last token it sent and that token's key: a client repeating its
 * token on a connection is looked up by a string comparison. The token is then held for the
 * connection's life, as a Go server's HPACK table holds a client-go connection's Authorization
 * header; the comparison is only ever against what the same connection sent before.
 */
export function cachedTokenAuthenticator(
  inner: TokenAuthenticator,
  opts: { ttlMs?: number; now?: () => number } = {},
): TokenAuthenticator {
  const ttl = opts.ttlMs ?? TOKEN_CACHE_TTL_MS;
  const now = opts.now ?? Date.now;
  const salt = randomBytes(16).toString('base64');
  const entries = new Map<string, { resp: AuthnResponse; until: number }>();
  const memos = new WeakMap<object, ConnectionMemo>();
  const keyOf = (token: string, audiences: string[] | undefined, connection: object | undefined): string => {
    const aud = audiences === undefined ? '' : audiences.join('\0');
    const memo = connection && memos.get(connection);
    if (memo && memo.token === token && memo.audiences === aud) return memo.key;
    const key = hash('sha256', `${salt}${token}\0${aud}`, 'base64');
    if (connection) memos.set(connection, { token, audiences: aud, key });
    return key;
  };
  return {
    async authenticateToken(token: string, audiences?: string[], connection?: object): Promise<AuthnResponse | null> {
      const key = keyOf(token, audiences, connection);
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
