import type { Authenticator } from '../authn/authenticator';
import type { UnionAuthorizer } from '../authz/modes';
import type { EscalationGuard } from '../authz/rbac/escalation';
import type { KubeObject } from '../api/object';

/** Mints a bound service-account token for the TokenRequest subresource. */
export type TokenIssuer = (req: {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  spec: Record<string, unknown>;
}) => Promise<KubeObject>;

/**
 * The security services some kinds need at write time (RBAC escalation
 * checks, reviews, TokenRequest). Built after the stores, because the RBAC
 * index reads the RBAC stores: kinds hold this object and read it per request.
 */
export interface SecurityServices {
  guard?: EscalationGuard;
  authenticator?: Authenticator;
  authorizer?: UnionAuthorizer;
  /** --api-audiences, for TokenReview and TokenRequest defaults */
  apiAudiences: string[];
  issueToken?: TokenIssuer;
}

export function newSecurityServices(): SecurityServices {
  return { apiAudiences: [] };
}
