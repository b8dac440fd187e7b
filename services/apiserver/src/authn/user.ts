/** The identity a request runs as once authentication succeeded (upstream's user.Info). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ANONYMOUS_USER = 'system:anonymous';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_AUTHENTICATED = 'system:authenticated';

/** Extra key under which service-account and other token authenticators record the credential's identity. */
export const CREDENTIAL_ID_EXTRA_KEY = 'authentication.kubernetes.io/credential-id';

export function anonymousUser(): UserInfo {
  return { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };
}
