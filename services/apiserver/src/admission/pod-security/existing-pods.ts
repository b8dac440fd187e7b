import type { KubeObject } from '../../api/object';
import { evaluatePod, forbiddenReason } from './evaluator';
import { levelVersionString, type LevelVersion } from './levels';
import { podLike } from './pod-specs';

/** Upstream's bounds on checking a namespace's pods when its enforce level is tightened. */
export const MAX_PODS_TO_CHECK = 3000;
export const POD_CHECK_TIMEOUT_MS = 1000;

export interface ExistingPodsOptions {
  maxPods?: number;
  timeoutMs?: number;
  exemptRuntimeClass: (name: string | undefined) => boolean;
  now?: () => number;
}

/**
 * One pod per controller first, then the other replicas: a bounded check then
 * covers as many distinct workloads as it can. Pods of exempt runtime classes
 * are left out.
 */
function prioritize(pods: KubeObject[], exemptRuntimeClass: (name: string | undefined) => boolean): KubeObject[] {
  const first: KubeObject[] = [];
  const later: KubeObject[] = [];
  const seen = new Set<string>();
  for (const pod of pods) {
    const rc = (pod.spec as { runtimeClassName?: unknown } | undefined)?.runtimeClassName;
    if (exemptRuntimeClass(typeof rc === 'string' ? rc : undefined)) continue;
    const controller = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    const uid = controller?.uid ?? '';
    if (!controller) first.push(pod);
    else if (seen.has(uid)) later.push(pod);
    else {
      seen.add(uid);
      first.push(pod);
    }
  }
  return [...first, ...later];
}

/** The warnings a namespace label update gets when existing pods would violate the new enforce level. */
export function existingPodWarnings(
  namespace: string,
  enforce: LevelVersion,
  pods: KubeObject[],
  opts: ExistingPodsOptions,
): string[] {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.timeoutMs ?? POD_CHECK_TIMEOUT_MS);
  const prioritized = prioritize(pods, opts.exemptRuntimeClass);
  const total = prioritized.length;
  const toCheck = prioritized.slice(0, opts.maxPods ?? MAX_PODS_TO_CHECK);
  let checked = toCheck.length;
  const order: string[] = [];
  const byWarning = new Map<string, { podName: string; count: number }>();
  for (let i = 0; i < toCheck.length; i++) {
    const pod = podLike(toCheck[i]);
    const result = evaluatePod(enforce, pod.meta, pod.spec);
    if (!result.allowed) {
      const warning = forbiddenReason(result);
      const name = pod.meta.name ?? '';
      const c = byWarning.get(warning);
      if (!c) {
        order.push(warning);
        byWarning.set(warning, { podName: name, count: 1 });
      } else {
        c.count++;
        if (name < c.podName) c.podName = name;
      }
    }
    if (now() > deadline) {
      checked = i + 1;
      break;
    }
  }
  const warnings: string[] = [];
  if (checked < total) {
    warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
  }
  if (order.length > 0) {
    warnings.push(
      `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`,
    );
  }
  const decorated = order.map((w) => {
    const c = byWarning.get(w) as { podName: string; count: number };
    if (c.count === 1) return `${c.podName}: ${w}`;
    if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
    return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
  });
  decorated.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...warnings, ...decorated];
}
