import type { KubeObject } from '../api/object';

/**
 * Graceful deletion (upstream's rest.BeforeDelete with a
 * RESTGracefulDeleteStrategy): a DELETE of such a kind may only mark the
 * object with a deletionTimestamp in the future, leaving its removal to
 * whoever runs it (the kubelet, for pods), which deletes again with grace 0.
 */

/** A kind's CheckGracefulDelete: the grace period a DELETE gets, from the request's and the object's. */
export type GracePeriodFor = (obj: KubeObject, requested: number | undefined) => number;

export type GracefulStep =
  /** remove now (or, with finalizers, mark with grace 0 as any kind) */
  | { kind: 'immediate' }
  /** already terminating with no shorter grace asked: the object is answered as it is */
  | { kind: 'pending' }
  /** set these deletion fields and keep the object */
  | { kind: 'mark'; deletionTimestamp: string; gracePeriodSeconds: number };

const IMMEDIATE: GracefulStep = { kind: 'immediate' };

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function gracefulStep(
  obj: KubeObject,
  requestedSeconds: number | undefined,
  gracePeriodFor: GracePeriodFor,
  nowMs: number = Date.now(),
): GracefulStep {
  // negative grace periods mean one second on the delete path
  const requested = requestedSeconds !== undefined && requestedSeconds < 0 ? 1 : requestedSeconds;
  const m = obj.metadata ?? {};
  if (m.deletionTimestamp) {
    const current = m.deletionGracePeriodSeconds ?? 0;
    if (current <= 0) return IMMEDIATE;
    // a terminating object's grace may only get shorter
    if (requested === undefined || requested >= current) return { kind: 'pending' };
    if (requested === 0) return IMMEDIATE;
    const start = Date.parse(m.deletionTimestamp) - current * 1000;
    return { kind: 'mark', deletionTimestamp: rfc3339(start + requested * 1000), gracePeriodSeconds: requested };
  }
  const grace = gracePeriodFor(obj, requested);
  if (grace <= 0) return IMMEDIATE;
  return { kind: 'mark', deletionTimestamp: rfc3339(nowMs + grace * 1000), gracePeriodSeconds: grace };
}
