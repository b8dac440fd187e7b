import type { Toleration } from '../../generated/k8s.io.api.core.v1';
import type { AdmissionPlugin } from '../interface';
import type { AdmissionPluginFactory } from './deps';
import { isPodMainResource, podSpecOf } from './pod-admission/pod-spec';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** Whether `t` already tolerates the NoExecute taint `key` (an empty key or effect matches any). */
function tolerates(entry: Toleration | null, key: string): boolean {
  // a null entry decodes to Go's zero toleration, which matches every key and effect
  const t = entry ?? {};
  const keyMatches = t.key === key || !t.key;
  const effectMatches = t.effect === 'NoExecute' || !t.effect;
  return keyMatches && effectMatches;
}

/**
 * DefaultTolerationSeconds: pods that do not tolerate a node going not-ready or
 * unreachable get a toleration for a bounded time, so they are evicted from such
 * a node after --default-*-toleration-seconds rather than at once.
 */
export const defaultTolerationSeconds: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const added = (key: string, seconds: number): Toleration => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  });
  return {
    name: 'DefaultTolerationSeconds',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    admit(a) {
      if (!isPodMainResource(a) || !a.object) return;
      const spec = podSpecOf(a.object);
      const current: (Toleration | null)[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const extra: Toleration[] = [];
      if (!current.some((t) => tolerates(t, NOT_READY_TAINT))) {
        extra.push(added(NOT_READY_TAINT, deps.opts.defaultNotReadyTolerationSeconds));
      }
      if (!current.some((t) => tolerates(t, UNREACHABLE_TAINT))) {
        extra.push(added(UNREACHABLE_TAINT, deps.opts.defaultUnreachableTolerationSeconds));
      }
      // (no null entry is left by now: one would have matched both taints)
      if (extra.length > 0) spec.tolerations = [...(current as Toleration[]), ...extra];
    },
  };
};
