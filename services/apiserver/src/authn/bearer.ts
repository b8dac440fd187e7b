import {
  AuthenticationError,
  type AuthnRequest,
  type AuthnResponse,
  type Authenticator,
  type TokenAuthenticator,
} from './authenticator';

/** What a token nobody accepted is reported as (upstream's wording). */
export const INVALID_BEARER_TOKEN = 'invalid bearer token';

/**
 * The token of an `Authorization: Bearer <token>` header as upstream parses it: the header
 * trimmed, split on single spaces into at most three parts, scheme compared case-insensitively.
 * `Bearer  x` (two spaces) yields an empty second part and therefore no token.
 */
export function extractBearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const auth = authorization.trim();
  if (auth === '') return null;
  // the second of at most three space-separated parts, found without splitting the ~1 KB header
  const first = auth.indexOf(' ');
  if (first < 0 || auth.slice(0, first).toLowerCase() !== 'bearer') return null;
  const second = auth.indexOf(' ', first + 1);
  const token = second < 0 ? auth.slice(first + 1) : auth.slice(first + 1, second);
  return token === '' ? null : token;
}

/** Authorization-header bearer tokens, checked by the (union of) token authenticators. */
export function bearerTokenAuthenticator(tokens: TokenAuthenticator): Authenticator {
  // the token cache answers with one response object per token: its copy is made once
  const stripped = new WeakMap<AuthnResponse, AuthnResponse>();
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      const token = extractBearerToken(req.headers['authorization']);
      if (token === null) return null;
      const resp = await tokens.authenticateToken(token, req.audiences, req.connection);
      // A presented token that no authenticator recognises must fail the request, never fall
      // through to anonymous.
      if (resp === null) throw new AuthenticationError(INVALID_BEARER_TOKEN);
      let out = stripped.get(resp);
      if (!out) {
        out = { ...resp, stripHeaders: [...(resp.stripHeaders ?? []), 'authorization'] };
        stripped.set(resp, out);
      }
      return out;
    },
  };
}

const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';
const RAW_BASE64URL = /^[A-Za-z0-9_-]*$/;

function isWebSocketRequest(headers: AuthnRequest['headers']): boolean {
  const connection = (headers['connection'] ?? '').toLowerCase();
  const upgrade = (headers['upgrade'] ?? '').toLowerCase();
  return /(^|.*,\s*)upgrade($|\s*,)/.test(connection) && upgrade === 'websocket';
}

/**
 * Browsers cannot set Authorization on a WebSocket, so upstream also accepts the token as a
 * `base64url.bearer.authorization.k8s.io.<token>` subprotocol. On success the subprotocol is
 * removed from Sec-WebSocket-Protocol (reported through setHeaders) so it is never echoed.
 */
export function webSocketProtocolAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (!isWebSocketRequest(req.headers)) return null;
      const header = req.headers['sec-websocket-protocol'];
      if (header === undefined) return null;
      let token = '';
      let sawToken = false;
      const others: string[] = [];
      for (const raw of header.split(',')) {
        const protocol = raw.trim();
        if (!protocol.startsWith(BEARER_PROTOCOL_PREFIX)) {
          others.push(protocol);
          continue;
        }
        if (sawToken) throw new AuthenticationError('multiple base64.bearer.authorization tokens specified');
        sawToken = true;
        const encoded = protocol.slice(BEARER_PROTOCOL_PREFIX.length);
        if (!RAW_BASE64URL.test(encoded) || encoded.length % 4 === 1) {
          throw new AuthenticationError('invalid base64.bearer.authorization token encoding');
        }
        const decoded = Buffer.from(encoded, 'base64url');
        const text = decoded.toString('utf8');
        if (!Buffer.from(text, 'utf8').equals(decoded)) {
          throw new AuthenticationError('invalid base64.bearer.authorization token');
        }
        token = text;
      }
      // The server must echo one subprotocol back, and it may not be the one holding the token.
      if (token !== '' && others.length === 0) throw new AuthenticationError('missing additional subprotocol');
      if (token === '') return null;
      const resp = await tokens.authenticateToken(token, req.audiences, req.connection);
      if (resp === null) throw new AuthenticationError('invalid token');
      return { ...resp, setHeaders: { 'sec-websocket-protocol': others.join(',') } };
    },
  };
}
