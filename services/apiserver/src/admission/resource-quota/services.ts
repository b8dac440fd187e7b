import type { Service } from '../../generated/k8s.io.api.core.v1';
import { objectCountName, type QuotaEvaluator } from './evaluator';
import { count, type ResourceList } from './resource-list';

const SERVICE_COUNT = objectCountName({ group: '', resource: 'services' });
const SERVICE_RESOURCES = [SERVICE_COUNT, 'services', 'services.loadbalancers', 'services.nodeports'];

/** Node ports a LoadBalancer service holds: none allocated when it opts out, else one per port. */
function loadBalancerNodePorts(svc: Service): number {
  const ports = svc.spec?.ports ?? [];
  if (svc.spec?.allocateLoadBalancerNodePorts === false) return ports.filter((p) => (p.nodePort ?? 0) !== 0).length;
  return ports.length;
}

/** Upstream's service evaluator: the count, load balancers and node ports. */
export const serviceEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'services' },
  handles: (op, subresource) => subresource === '' && (op === 'CREATE' || op === 'UPDATE'),
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  // scopes select pods only: a scoped quota never matches these objects
  matchesScope: () => false,
  constraints: () => undefined,
  usage(obj): ResourceList {
    const svc = obj as Service;
    const out: ResourceList = new Map([
      [SERVICE_COUNT, count(1)],
      ['services', count(1)],
      ['services.loadbalancers', count(0)],
      ['services.nodeports', count(0)],
    ]);
    if (svc.spec?.type === 'NodePort') out.set('services.nodeports', count(svc.spec.ports?.length ?? 0));
    if (svc.spec?.type === 'LoadBalancer') {
      out.set('services.nodeports', count(loadBalancerNodePorts(svc)));
      out.set('services.loadbalancers', count(1));
    }
    return out;
  },
};
