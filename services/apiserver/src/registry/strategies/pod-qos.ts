import { quantityNanos } from '../validation/resources';
import { objectAt, objectsAt, type Obj } from './common';

/** The compute resources upstream's QoS classes are about; others (storage, extended) do not count. */
const QOS_RESOURCES = ['cpu', 'memory'] as const;

type Totals = Map<string, bigint>;

function addPositive(totals: Totals, list: Obj | undefined, found?: Set<string>): void {
  for (const name of QOS_RESOURCES) {
    if (!list || list[name] === undefined) continue;
    const v = quantityNanos(list[name]);
    if (v <= 0n) continue;
    totals.set(name, (totals.get(name) ?? 0n) + v);
    found?.add(name);
  }
}

/**
 * ComputePodQOS over regular and init containers: BestEffort without any cpu or
 * memory request or limit, Guaranteed when every container limits both and the
 * sums of requests equal the sums of limits, Burstable otherwise.
 */
export function computePodQOS(spec: Obj | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests: Totals = new Map();
  const limits: Totals = new Map();
  let guaranteed = true;
  for (const c of [...objectsAt(spec, 'initContainers'), ...objectsAt(spec, 'containers')]) {
    const resources = objectAt(c, 'resources');
    addPositive(requests, objectAt(resources, 'requests'));
    const found = new Set<string>();
    addPositive(limits, objectAt(resources, 'limits'), found);
    if (!QOS_RESOURCES.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
