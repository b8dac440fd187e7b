import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { ResourceQuota } from '../../generated/k8s.io.api.core.v1';
import type { GenericStore } from '../../registry/generic-store';
import { chargedUsage, QuotaRefusal, type PlannedCharge } from './check';
import { equalLists, parseResourceList, subtractNonNegative, toRecord } from './resource-list';

/** Runs fn after every earlier call with the same key has settled: one charge per quota at a time in a replica. */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

function isNotFound(e: unknown): boolean {
  return e instanceof StatusError && e.code === 404;
}

/**
 * Writes one charge to the stored quota: a compare-and-swap on its
 * resourceVersion that, on conflict, reads the quota again from storage (not the
 * watch cache) and judges the charge again, so replicas can only ever add
 * to what another has charged, never past hard. A quota deleted meanwhile is skipped.
 */
export async function chargeQuota(
  quotas: GenericStore,
  namespace: string,
  charge: PlannedCharge,
  subresource: string,
  refuse: (reason: string) => StatusError,
): Promise<void> {
  try {
    await quotas.updateWith(
      namespace,
      charge.quotaName,
      (current: KubeObject) => {
        const q = current as ResourceQuota;
        let next;
        try {
          next = chargedUsage(q, charge.delta, subresource);
        } catch (e) {
          // the store passes StatusErrors through unchanged
          if (e instanceof QuotaRefusal) throw refuse(e.message);
          throw e;
        }
        if (equalLists(next, parseResourceList(q.status?.used))) return current;
        return { ...current, status: { ...q.status, used: toRecord(next) } } as KubeObject;
      },
      { statusOnly: true, systemWrite: true },
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Gives back a charge made for a request that then failed; the controller's recount corrects any miss. */
export async function releaseCharge(quotas: GenericStore, namespace: string, charge: PlannedCharge): Promise<void> {
  try {
    await quotas.updateWith(
      namespace,
      charge.quotaName,
      (current: KubeObject) => {
        const q = current as ResourceQuota;
        const used = parseResourceList(q.status?.used);
        const next = new Map(used);
        for (const [k, v] of subtractNonNegative(used, charge.delta)) next.set(k, v);
        return { ...current, status: { ...q.status, used: toRecord(next) } } as KubeObject;
      },
      { statusOnly: true, systemWrite: true },
    );
  } catch {
    // best effort
  }
}
