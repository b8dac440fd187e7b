import type { Storage } from '../../storage/interface';
import { ServiceIPAllocator } from './ipallocator';
import { NodePortAllocator } from './portallocator';
import type { ServiceAllocators } from './service-store';

export interface AllocatorDeps {
  storage: Storage;
  prefix: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
}

const cache = new WeakMap<Storage, Map<string, ServiceAllocators>>();

/**
 * The allocators of one replica (one per storage and configuration), shared by
 * the Service store and the repair loop so concurrent writes group-commit.
 */
export function serviceAllocatorsFor(deps: AllocatorDeps): ServiceAllocators {
  let byConfig = cache.get(deps.storage);
  if (!byConfig) {
    byConfig = new Map();
    cache.set(deps.storage, byConfig);
  }
  const k = `${deps.prefix}|${deps.serviceClusterIPRange}|${deps.serviceNodePortRange}`;
  let a = byConfig.get(k);
  if (!a) {
    a = {
      ips: new ServiceIPAllocator(deps.storage, deps.prefix, deps.serviceClusterIPRange),
      nodePorts: new NodePortAllocator(deps.storage, deps.prefix, deps.serviceNodePortRange),
    };
    byConfig.set(k, a);
  }
  return a;
}
