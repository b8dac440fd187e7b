import type { Container, Pod } from '../../generated/k8s.io.api.core.v1';
import { add, parseResourceList, type ResourceList } from './resource-list';

/** Per key, the larger of the two (upstream's maxResourceList, in place on `into`). */
function takeMax(into: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) {
    const have = into.get(k);
    if (!have || v.nanos > have.nanos) into.set(k, v);
  }
}

type Side = 'requests' | 'limits';

function containerSide(c: Container, side: Side): ResourceList {
  return parseResourceList(c.resources?.[side]);
}

/**
 * What the pod asks for on one side, as upstream's PodRequests/PodLimits: the
 * containers' sum, or the largest init container step if larger (sidecars, init
 * containers that restart Always, run alongside everything after them), plus
 * the pod overhead.
 */
export function podAggregate(pod: Pod, side: Side): ResourceList {
  let total: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) total = add(total, containerSide(c, side));
  let sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = containerSide(c, side);
    let step: ResourceList;
    if (c.restartPolicy === 'Always') {
      total = add(total, own);
      sidecars = add(sidecars, own);
      step = sidecars;
    } else {
      step = add(own, sidecars);
    }
    takeMax(initMax, step);
  }
  takeMax(total, initMax);
  const overhead = parseResourceList(pod.spec?.overhead);
  if (side === 'requests') return add(total, overhead);
  // limits only grow where the pod has a limit at all
  for (const [k, v] of overhead) {
    const have = total.get(k);
    if (have) total.set(k, { nanos: have.nanos + v.nanos, format: have.format });
  }
  return total;
}

const QOS_RESOURCES = ['cpu', 'memory'];

/** Upstream's QoS class test for BestEffort: no container requests or limits any cpu or memory. */
export function isBestEffort(pod: Pod): boolean {
  if (pod.status?.qosClass) return pod.status.qosClass === 'BestEffort';
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    for (const side of ['requests', 'limits'] as const) {
      const list = containerSide(c, side);
      for (const r of QOS_RESOURCES) if ((list.get(r)?.nanos ?? 0n) > 0n) return false;
    }
  }
  return true;
}
