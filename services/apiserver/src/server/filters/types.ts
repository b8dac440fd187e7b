import type { AdmissionRecorder } from '../../admission/interface';
import type { AuditContext } from '../../audit/event';
import type { UserInfo } from '../../authn/user';
import type { RequestInfo } from '../../endpoints/request-info';
import type { ApiRequest, ApiResponse } from '../../endpoints/types';

/** What the connection a request came on can do, for filters that act on it. */
export interface Transport {
  http2: boolean;
  /** Asks the client to reconnect once this response is done (HTTP/2 GOAWAY, HTTP/1.1 Connection: close). */
  goaway(): void;
  /** Registers a callback for the client going away before its response is sent; returns its removal. */
  onClientGone?: (cb: () => void) => () => void;
}

/** One request as it passes the chain; filters fill in what they establish. */
export interface RequestContext {
  /** path is the raw path as sent (still percent-encoded), query the parsed query string */
  req: ApiRequest;
  /** set by the request-info filter */
  info?: RequestInfo;
  /** set by the authentication filter (and replaced by impersonation) */
  user?: UserInfo;
  /** audiences the credential was valid for, when the authenticator says */
  audiences?: string[];
  /** Header lines as received (name, value, name, value...), for headers that may repeat. */
  rawHeaders?: string[];
  /** The client certificate chain the TLS peer presented, leaf first, DER; [] when none. */
  peerCertificates: Buffer[];
  /** The same object for every request of one connection (HTTP/2 session or TLS socket). */
  connection?: object;
  transport: Transport;
  /** admission's warnings and audit annotations; made by the audit filter when it runs, else by the router */
  recorder?: AdmissionRecorder;
  /** the request-target as sent (path and raw query), for the audit event's requestURI */
  requestURI?: string;
  /** the peer's address, for the audit event's sourceIPs */
  remoteAddress?: string;
  /** the peer's port, for httplog's srcIP (host:port as Go's RemoteAddr) */
  remotePort?: number;
  /** set by the audit-init filter: the Audit-ID echoed or made up, and when the request arrived (MicroTime JSON) */
  auditID?: string;
  receivedAt?: string;
  /** set by the audit filter when the policy records this request */
  audit?: AuditContext;
}

export type Handler = (ctx: RequestContext) => Promise<ApiResponse>;
export type Filter = (next: Handler) => Handler;

/** Filters listed outermost first, as the chain reads top to bottom. */
export function buildChain(filters: readonly Filter[], last: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => filter(next), last);
}

export function requestInfoOf(ctx: RequestContext): RequestInfo {
  if (!ctx.info) throw new Error('request info filter must run first');
  return ctx.info;
}

export function userOf(ctx: RequestContext): UserInfo {
  if (!ctx.user) throw new Error('authentication filter must run first');
  return ctx.user;
}
