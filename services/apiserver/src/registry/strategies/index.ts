import { configMapStrategy } from './configmaps';
import { deploymentStrategy } from './deployments';
import { eventStrategy } from './events';
import { genericClusterStrategy, genericNamespacedStrategy } from './generic';
import { leaseStrategy } from './leases';
import { namespaceStrategy } from './namespaces';
import { secretStrategy } from './secrets';
import { endpointsStrategy } from './endpoints';
import { endpointSliceStrategy } from './endpointslices';
import { serviceAccountStrategy } from './serviceaccounts';
import { serviceStrategy } from './services';
import type { KindStrategy } from './common';

export type { KindStrategy } from './common';
export { genericClusterStrategy, genericNamespacedStrategy } from './generic';
export { configMapStrategy, deploymentStrategy, eventStrategy, leaseStrategy, namespaceStrategy, secretStrategy };
export { endpointSliceStrategy, endpointsStrategy, serviceAccountStrategy, serviceStrategy };

const STRATEGIES: Record<string, KindStrategy> = {
  '/namespaces': namespaceStrategy,
  '/configmaps': configMapStrategy,
  '/secrets': secretStrategy,
  '/events': eventStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
  'apps/deployments': deploymentStrategy,
  '/services': serviceStrategy,
  '/endpoints': endpointsStrategy,
  '/serviceaccounts': serviceAccountStrategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
};

/** The strategy of a resource with kind-specific rules; undefined means use a generic one. */
export function strategyFor(group: string, resource: string): KindStrategy | undefined {
  return STRATEGIES[`${group}/${resource}`];
}

/** strategyFor, falling back to ObjectMeta-only validation for the resource's scope. */
export function strategyOrGeneric(group: string, resource: string, namespaced: boolean): KindStrategy {
  return strategyFor(group, resource) ?? (namespaced ? genericNamespacedStrategy : genericClusterStrategy);
}
