import type { UserInfo } from './user';

export interface AuthnRequest {
  /** Lower-case header names; a header sent several times arrives joined with ','. */
  headers: Record<string, string | undefined>;
  /** Client certificate chain the TLS peer presented, leaf first, DER; [] when none. */
  peerCertificates: Buffer[];
  /**
   * Node's flat rawHeaders list ([name, value, name, value, ...]) when available. Only the
   * front-proxy authenticator needs it: upstream keeps each X-Remote-Group line as one group,
   * which a comma-joined header cannot tell apart from a group containing a comma.
   */
  rawHeaders?: string[];
  /**
   * Audiences the credential must be valid for. Unset means the server's --api-audiences
   * (what the authentication filter puts in the request context upstream); TokenReview sets
   * it from spec.audiences.
   */
  audiences?: string[];
  /** URL path, only consulted by anonymous `conditions` of the authentication config. */
  path?: string;
  /**
   * The same object on every request of one client connection (the HTTP/2 session or the
   * TLS socket), for memos that must not outlive or cross connections; absent for TokenReview.
   */
  connection?: object;
}

export interface AuthnResponse {
  user: UserInfo;
  audiences?: string[];
  /**
   * Lower-case names of request headers that carried the credential. Upstream deletes them
   * after success (Authorization for bearer tokens, the X-Remote-* headers of a front proxy)
   * so nothing downstream (proxying to aggregated servers, audit) sees them; the caller does.
   */
  stripHeaders?: string[];
  /**
   * Headers to overwrite with the given value after success: the WebSocket bearer-protocol
   * authenticator removes its subprotocol from sec-websocket-protocol this way.
   */
  setHeaders?: Record<string, string>;
}

/** null: no credential of this kind present. Throws AuthenticationError when one is presented but invalid. */
export interface Authenticator {
  authenticate(req: AuthnRequest): Promise<AuthnResponse | null>;
}

/** Authenticates the bare token of an `Authorization: Bearer` header (upstream's authenticator.Token). */
export interface TokenAuthenticator {
  /**
   * @param audiences the target audiences (request's or TokenReview's); undefined = the
   *   server's api audiences.
   * @param connection AuthnRequest.connection, when the token came on one (only the token
   *   cache reads it).
   */
  authenticateToken(token: string, audiences?: string[], connection?: object): Promise<AuthnResponse | null>;
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/**
 * Joins several failures the way upstream's error aggregate prints them: a single message
 * alone, several as "[a, b]" with duplicates dropped.
 */
export function aggregateError(errors: AuthenticationError[]): AuthenticationError {
  const messages = [...new Set(errors.map((e) => e.message))];
  if (messages.length === 1) return new AuthenticationError(messages[0]);
  return new AuthenticationError(`[${messages.join(', ')}]`);
}

/** Any non-AuthenticationError thrown by a library becomes one, so callers see a single error type. */
export function asAuthenticationError(err: unknown): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof Error) return new AuthenticationError(err.message);
  return new AuthenticationError(String(err));
}

export function intersectAudiences(a: readonly string[], b: readonly string[]): string[] {
  const wanted = new Set(b);
  return [...new Set(a.filter((x) => wanted.has(x)))];
}
