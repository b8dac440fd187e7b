import { performance } from 'node:perf_hooks';
import type { Authenticator } from '../authn/authenticator';
import type { ReplicaMetrics } from './replica-metrics';

/**
 * Usernames folded into a few categories: the metric must neither grow with
 * the number of users nor publish who they are.
 */
export function compressUsername(name: string): string {
  switch (name) {
    case 'admin':
    case 'client':
    case 'kube_proxy':
    case 'kubelet':
    case 'system:serviceaccount:kube-system:default':
      return name;
  }
  return name.includes('@') ? 'email_id' : 'other';
}

/**
 * The request authenticator with upstream's authentication_attempts,
 * authentication_duration_seconds and authenticated_user_requests: success for
 * a user, failure for no credential, error for a credential that did not verify.
 */
export function instrumentAuthenticator(inner: Authenticator, metrics: ReplicaMetrics): Authenticator {
  const results = {
    success: {
      attempts: metrics.authenticationAttempts.with('success'),
      duration: metrics.authenticationDuration.with('success'),
    },
    failure: {
      attempts: metrics.authenticationAttempts.with('failure'),
      duration: metrics.authenticationDuration.with('failure'),
    },
    error: {
      attempts: metrics.authenticationAttempts.with('error'),
      duration: metrics.authenticationDuration.with('error'),
    },
  };
  const observe = (result: keyof typeof results, start: number): void => {
    const r = results[result];
    r.attempts.value++;
    r.duration.observe((performance.now() - start) / 1000);
  };
  // authenticated users are shared objects (a cached token's, a connection certificate's)
  const userSeries = new WeakMap<object, { value: number }>();
  const seriesOf = (user: { name: string }): { value: number } => {
    let s = userSeries.get(user);
    if (!s) {
      s = metrics.authenticatedUserRequests.with(compressUsername(user.name));
      userSeries.set(user, s);
    }
    return s;
  };
  return {
    authenticate: async (req) => {
      const start = performance.now();
      let res;
      try {
        res = await inner.authenticate(req);
      } catch (e) {
        observe('error', start);
        throw e;
      }
      if (!res) {
        observe('failure', start);
        return res;
      }
      seriesOf(res.user).value++;
      observe('success', start);
      return res;
    },
  };
}

/** The authorizer's hook: one terminal decision (allowed or denied) of one authorizer of the chain. */
export type DecisionObserver = (type: string, name: string, decision: 'allowed' | 'denied') => void;

export function decisionObserver(metrics: ReplicaMetrics): DecisionObserver {
  const cache = new Map<string, { value: number }>();
  return (type, name, decision) => {
    const key = `${type}|${name}|${decision}`;
    let s = cache.get(key);
    if (!s) {
      s = metrics.authorizationDecisions.with(type, name, decision);
      cache.set(key, s);
    }
    s.value++;
  };
}
