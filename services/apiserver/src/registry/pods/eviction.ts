import { newBadRequest, newConflict, newInternalError, StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { timeNow } from '../../api/time';
import type { GenericStore, WriteParams } from '../generic-store';
import {
  deepClone,
  ensureObject,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringMapAt,
  type Obj,
} from '../strategies/common';
import { asLabelSelector, selectorMatches } from '../validation/labelselector';
import { createdStatus } from './binding';

/**
 * POST pods/<name>/eviction (policy/v1 Eviction): a delete that honours the
 * pod's PodDisruptionBudget, as upstream's EvictionREST does.
 */

const EVICTION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
/** upstream's EvictionsRetry: 20 tries, 10 ms apart */
const RETRIES = 20;
const RETRY_DELAY_MS = 10;
/** Beyond this many unconfirmed evictions the budget refuses more (MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;

function tooManyRequests(retryAfterSeconds: number, cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', EVICTION_MESSAGE, {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

function forbiddenBudget(name: string, why: string): StatusError {
  return new StatusError(403, 'Forbidden', `poddisruptionbudgets.policy "${name}" is forbidden: ${why}`, {
    name,
    group: 'policy',
    kind: 'poddisruptionbudgets',
  });
}

/** Terminal, pending or already terminating pods are deleted without asking their budget. */
function canIgnoreBudget(pod: Obj): boolean {
  const phase = stringAt(objectAt(pod, 'status'), 'phase');
  return (
    phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!objectAt(pod, 'metadata')?.deletionTimestamp
  );
}

function isReady(pod: Obj): boolean {
  return objectsAt(objectAt(pod, 'status'), 'conditions').some((c) => c.type === 'Ready' && c.status === 'True');
}

/** An unready pod may go without spending the budget when the policy or the budget's health allows. */
function unhealthyMayGo(pod: Obj, pdb: Obj): boolean {
  if (isReady(pod)) return false;
  if (stringAt(objectAt(pdb, 'spec'), 'unhealthyPodEvictionPolicy') === 'AlwaysAllow') return true;
  const status = objectAt(pdb, 'status');
  const desired = numberAt(status, 'desiredHealthy') ?? 0;
  return desired > 0 && (numberAt(status, 'currentHealthy') ?? 0) >= desired;
}

/** checkAndDecrement: refuses when the budget has no room, else spends one disruption on this pod. */
function spendDisruption(cached: Obj, podName: string): Obj {
  // what the store hands out may be the watch cache's frozen instance
  const pdb = deepClone(cached);
  const name = stringAt(objectAt(pdb, 'metadata'), 'name');
  const status = ensureObject(pdb, 'status');
  const generation = numberAt(objectAt(pdb, 'metadata'), 'generation') ?? 0;
  if ((numberAt(status, 'observedGeneration') ?? 0) < generation) {
    throw tooManyRequests(10, `The disruption budget ${name} is still being processed by the server.`);
  }
  const allowed = numberAt(status, 'disruptionsAllowed') ?? 0;
  if (allowed < 0) throw forbiddenBudget(name, 'pdb disruptions allowed is negative');
  const disrupted = objectAt(status, 'disruptedPods') ?? {};
  if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS) {
    throw forbiddenBudget(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    const desired = numberAt(status, 'desiredHealthy') ?? 0;
    const current = numberAt(status, 'currentHealthy') ?? 0;
    throw tooManyRequests(
      0,
      `The disruption budget ${name} needs ${desired} healthy pods and has ${current} currently`,
    );
  }
  status.disruptionsAllowed = allowed - 1;
  status.disruptedPods = { ...disrupted, [podName]: timeNow() };
  if (allowed - 1 === 0) {
    const conditions = objectsAt(status, 'conditions').filter((c) => c.type !== 'DisruptionAllowed');
    const was = objectsAt(status, 'conditions').find((c) => c.type === 'DisruptionAllowed');
    conditions.push({
      type: 'DisruptionAllowed',
      status: 'False',
      reason: 'InsufficientPods',
      message: '',
      observedGeneration: status.observedGeneration ?? 0,
      lastTransitionTime: was?.status === 'False' ? was.lastTransitionTime : timeNow(),
    });
    status.conditions = conditions;
  }
  return pdb;
}

async function matchingBudgets(pdbs: GenericStore, pod: Obj, namespace: string): Promise<Obj[]> {
  const labels = stringMapAt(objectAt(pod, 'metadata'), 'labels') ?? {};
  const list = await pdbs.list(namespace, {});
  return objectsAt(list, 'items').filter((pdb) => {
    // policy/v1: an empty selector selects every pod, a missing one none
    const selector = asLabelSelector(objectAt(pdb, 'spec')?.selector);
    return selector !== undefined && selectorMatches(selector, labels);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isConflict(e: unknown): boolean {
  return e instanceof StatusError && e.code === 409 && e.reason === 'Conflict';
}

/** upstream's UpdatePodCondition: the transition time moves only when the status does. */
function withDisruptionTarget(status: Obj): void {
  const conditions = objectsAt(status, 'conditions');
  const existing = conditions.find((c) => c.type === 'DisruptionTarget');
  const wanted: Obj = {
    type: 'DisruptionTarget',
    status: 'True',
    lastProbeTime: existing?.lastProbeTime ?? null,
    lastTransitionTime:
      existing?.status === 'True' && existing.lastTransitionTime ? existing.lastTransitionTime : timeNow(),
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
  };
  status.conditions = existing ? conditions.map((c) => (c === existing ? wanted : c)) : [...conditions, wanted];
}

/**
 * addConditionAndDeletePod's first half: the latest pod gets the DisruptionTarget
 * condition (GA in 1.31), refused as upstream does when the delete's
 * preconditions no longer hold. Returns the pod's new resourceVersion.
 */
async function markDisruptionTarget(
  podStore: GenericStore,
  namespace: string,
  name: string,
  preconditions: Obj | undefined,
): Promise<string> {
  const uid = stringAt(preconditions, 'uid');
  const rv = stringAt(preconditions, 'resourceVersion');
  const { object } = await podStore.updateWith(
    namespace,
    name,
    (latest) => {
      const m = objectAt(latest, 'metadata');
      const gr = { group: '', resource: 'Pod' };
      if (uid !== '' && uid !== stringAt(m, 'uid')) {
        throw newConflict(
          gr,
          name,
          `the UID in the precondition (${uid}) does not match the UID in record (${stringAt(m, 'uid')}). The object might have been deleted and then recreated`,
        );
      }
      if (rv !== '' && rv !== stringAt(m, 'resourceVersion')) {
        throw newConflict(
          gr,
          name,
          `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${stringAt(m, 'resourceVersion')}). The object might have been modified`,
        );
      }
      withDisruptionTarget(ensureObject(latest, 'status'));
      return latest;
    },
    // the registry's own write, as upstream's eviction updates through the status store directly
    { statusOnly: true, systemWrite: true },
  );
  return stringAt(objectAt(object, 'metadata'), 'resourceVersion');
}

export interface EvictionStores {
  pods: GenericStore;
  pdbs: GenericStore;
}

export async function evictPod(
  stores: EvictionStores,
  namespace: string,
  name: string,
  eviction: Obj,
  params: WriteParams,
): Promise<KubeObject> {
  const evictionName = stringAt(objectAt(eviction, 'metadata'), 'name');
  if (evictionName !== '' && evictionName !== name) {
    throw newBadRequest('name in URL does not match name in Eviction object');
  }
  const options = objectAt(eviction, 'deleteOptions') ?? {};
  const dryRun = params.dryRun === true || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
  let pod: Obj = await stores.pods.get(namespace, name);
  if (!canIgnoreBudget(pod)) {
    for (let attempt = 0; ; attempt++) {
      const budgets = await matchingBudgets(stores.pdbs, pod, namespace);
      if (budgets.length > 1) {
        throw newInternalError(
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        );
      }
      const pdb = budgets[0];
      if (!pdb || unhealthyMayGo(pod, pdb)) break;
      const spent = spendDisruption(pdb, name);
      if (dryRun) break;
      try {
        await stores.pdbs.updateStatus(namespace, stringAt(objectAt(pdb, 'metadata'), 'name'), spent as KubeObject, {
          manager: params.manager,
        });
        break;
      } catch (e) {
        if (!isConflict(e) || attempt + 1 >= RETRIES) throw e;
        await sleep(RETRY_DELAY_MS);
        pod = await stores.pods.get(namespace, name);
      }
    }
  }
  const preconditions = objectAt(options, 'preconditions');
  let resourceVersion = stringAt(preconditions, 'resourceVersion');
  if (!dryRun) {
    const bumped = await markDisruptionTarget(stores.pods, namespace, name, preconditions);
    // the condition write is ours, so a resourceVersion precondition moves with it
    if (resourceVersion !== '') resourceVersion = bumped;
  }
  await stores.pods.delete(namespace, name, {
    dryRun,
    preconditions: {
      uid: stringAt(preconditions, 'uid') || undefined,
      resourceVersion: resourceVersion || undefined,
    },
    gracePeriodSeconds: numberAt(options, 'gracePeriodSeconds'),
    propagationPolicy: stringAt(options, 'propagationPolicy') || undefined,
  });
  return createdStatus();
}
