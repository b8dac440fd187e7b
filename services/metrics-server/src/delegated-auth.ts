import type { TLSSocket } from 'node:tls';
import {
  AuthenticationError,
  type AuthnResponse,
  type Authenticator,
  type TokenAuthenticator,
} from '../../apiserver/src/authn/authenticator';
import { bearerTokenAuthenticator } from '../../apiserver/src/authn/bearer';
import { requestHeaderAuthenticator, type RequestHeaderConfig } from '../../apiserver/src/authn/request-header';
import { cachedTokenAuthenticator } from '../../apiserver/src/authn/token-cache';
import { authenticatedGroupAdder, failOnErrorThenAnonymous, unionAuthenticator } from '../../apiserver/src/authn/union';
import { x509Authenticator } from '../../apiserver/src/authn/x509';
import type { Attributes, AuthorizerResult } from '../../apiserver/src/authz/types';
import type { KubePoster } from './kube-client';

/** The generic apiserver's delegated authorization defaults. */
const ALWAYS_ALLOW_PATHS = new Set(['/healthz', '/readyz', '/livez']);
const ALWAYS_ALLOW_GROUPS = ['system:masters'];
/** --authorization-webhook-cache-authorized-ttl and -unauthorized-ttl defaults. */
const AUTHZ_CACHE_TTL_MS = 10_000;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

/** Bearer tokens checked by a TokenReview sent to kapi (upstream's webhook token authenticator). */
export function tokenReviewAuthenticator(kube: KubePoster): TokenAuthenticator {
  return {
    async authenticateToken(token: string, audiences?: string[]): Promise<AuthnResponse | null> {
      const spec: Record<string, unknown> = { token };
      if (audiences && audiences.length > 0) spec.audiences = audiences;
      const review = await kube.post<{ status?: TokenReviewStatus }>('/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec,
      });
      const status = review.status ?? {};
      if (!status.authenticated) {
        if (status.error) throw new AuthenticationError(status.error);
        return null;
      }
      const u = status.user ?? {};
      const user: AuthnResponse['user'] = { name: u.username ?? '', groups: u.groups ?? [], extra: u.extra ?? {} };
      if (u.uid) user.uid = u.uid;
      return { user, audiences: status.audiences };
    },
  };
}

export interface DelegatedAuthnOptions {
  requestHeader?: RequestHeaderConfig;
  clientCAPem?: string;
  kube: KubePoster;
}

/**
 * The generic apiserver's delegated authentication: the front proxy's identity
 * headers (behind its client certificate), then client certificates, then
 * bearer tokens reviewed by kapi; a request with none of them is anonymous.
 */
export function delegatedAuthenticator(opts: DelegatedAuthnOptions): Authenticator {
  const chain: Authenticator[] = [];
  if (opts.requestHeader) chain.push(requestHeaderAuthenticator(opts.requestHeader));
  if (opts.clientCAPem) chain.push(x509Authenticator(opts.clientCAPem));
  chain.push(bearerTokenAuthenticator(cachedTokenAuthenticator(tokenReviewAuthenticator(opts.kube))));
  return failOnErrorThenAnonymous(authenticatedGroupAdder(unionAuthenticator(chain)));
}

/** The client's certificate chain, leaf first, DER. */
export function peerChain(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

interface SubjectAccessReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface AsyncAuthorizer {
  authorize(a: Attributes): Promise<AuthorizerResult>;
}

function reviewSpec(a: Attributes): Record<string, unknown> {
  const spec: Record<string, unknown> = { user: a.user.name, groups: a.user.groups };
  if (a.user.uid) spec.uid = a.user.uid;
  if (a.user.extra && Object.keys(a.user.extra).length > 0) spec.extra = a.user.extra;
  if (a.isResourceRequest) {
    const attrs: Record<string, string> = {
      verb: a.verb,
      group: a.apiGroup,
      version: a.apiVersion,
      resource: a.resource,
    };
    if (a.namespace) attrs.namespace = a.namespace;
    if (a.subresource) attrs.subresource = a.subresource;
    if (a.name) attrs.name = a.name;
    spec.resourceAttributes = attrs;
  } else {
    spec.nonResourceAttributes = { path: a.path, verb: a.verb };
  }
  return spec;
}

/**
 * The generic apiserver's delegated authorization: health paths and
 * system:masters pass, everything else is a SubjectAccessReview sent to kapi,
 * whose answers are remembered for a few seconds.
 */
export function delegatedAuthorizer(kube: KubePoster, now: () => number = Date.now): AsyncAuthorizer {
  const cache = new Map<string, { result: AuthorizerResult; until: number }>();
  return {
    async authorize(a: Attributes): Promise<AuthorizerResult> {
      if (!a.isResourceRequest && ALWAYS_ALLOW_PATHS.has(a.path)) return { decision: 'allow', reason: '' };
      if (a.user.groups.some((g) => ALWAYS_ALLOW_GROUPS.includes(g))) return { decision: 'allow', reason: '' };
      const spec = reviewSpec(a);
      const key = JSON.stringify(spec);
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.result;
      const review = await kube.post<{ status?: SubjectAccessReviewStatus }>(
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
      );
      const s = review.status ?? {};
      const result: AuthorizerResult = {
        decision: s.allowed ? 'allow' : s.denied ? 'deny' : 'noOpinion',
        reason: s.reason ?? '',
      };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { result, until: now() + AUTHZ_CACHE_TTL_MS });
      return result;
    },
  };
}
