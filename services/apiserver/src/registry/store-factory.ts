import type { Backend } from '../storage/backend';
import type { Storage } from '../storage/interface';
import { GenericStore, type NamespaceGate } from './generic-store';
import type { ResourceInfo } from './resources';
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
  return new GenericStore(info, strategy, deps.storage, deps.prefix, info.namespaced ? deps.namespaceGate : undefined);
}
