import type { Backend } from '../storage/backend';
import type { Storage } from '../storage/interface';
import type { GenericStore, NamespaceGate } from './generic-store';
import type { ResourceInfo } from './resources';
import type { SecurityServices } from './security';
import type { KindStrategy } from './strategies/common';
import type { TableConverter } from './tables/types';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** What a kind's store is built from; the store factory passes the same to every kind. */
export interface StoreDeps {
  storage: Storage;
  backend: Backend;
  prefix: string;
  /** Checks a namespaced create's namespace; undefined for cluster-scoped kinds. */
  namespaceGate?: NamespaceGate;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  security: SecurityServices;
}

/**
 * One built-in kind, complete: what discovery says of it, the rules its objects
 * follow, how kubectl shows it, and its store when the generic one does not do.
 */
export interface KindDefinition {
  info: ResourceInfo;
  strategy: KindStrategy;
  /** kubectl get's columns; Name and Created At when not given */
  table?: TableConverter;
  /** A store that does more than the generic one (allocation, two-step deletion) */
  newStore?: (def: KindDefinition, deps: StoreDeps) => GenericStore;
}
