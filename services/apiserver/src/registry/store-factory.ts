import type { Backend } from '../storage/backend';
import type { Storage } from '../storage/interface';
import { GenericStore, type NamespaceGate } from './generic-store';
import type { ResourceInfo } from './resources';
import { serviceAllocatorsFor } from './services/allocators';
import { EndpointsStore, SystemWritableStore } from './services/endpoints-store';
import { ServiceStore } from './services/service-store';
import { systemEndpointSliceStrategy } from './strategies/endpointslices';
import { systemEndpointsStrategy } from './strategies/endpoints';
import type { Strategy } from './strategy';

export interface StoreDeps {
  storage: Storage;
  backend: Backend;
  prefix: string;
  namespaceGate: NamespaceGate;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
}

/**
 * Builds the store of one resource. Resources whose writes do more than the
 * generic store (allocation, two-step deletion) get their own subclass here.
 */
export function makeStore(info: ResourceInfo, strategy: Strategy, deps: StoreDeps): GenericStore {
  const gate = info.namespaced ? deps.namespaceGate : undefined;
  if (info.group === '' && info.resource === 'services') {
    return new ServiceStore(info, strategy, deps.storage, deps.prefix, serviceAllocatorsFor(deps), gate);
  }
  if (info.group === '' && info.resource === 'endpoints') {
    return new EndpointsStore(info, strategy, systemEndpointsStrategy, deps.storage, deps.prefix, gate);
  }
  if (info.group === 'discovery.k8s.io' && info.resource === 'endpointslices') {
    return new SystemWritableStore(info, strategy, systemEndpointSliceStrategy, deps.storage, deps.prefix, gate);
  }
  return new GenericStore(info, strategy, deps.storage, deps.prefix, gate);
}
