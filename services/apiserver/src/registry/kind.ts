import type { Admission } from '../admission/interface';
import type { Backend } from '../storage/backend';
import type { Cacher } from '../storage/cacher';
import type { Storage } from '../storage/interface';
import type { GenericStore, NamespaceGate } from './generic-store';
import type { ResourceInfo } from './resources';
import type { SecurityServices } from './security';
import type { KindStrategy } from './strategies/common';
import type { VersionConversion } from '../storage/converting-storage';
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
  /** The admission chain every store's request writes pass. */
  admission?: Admission;
  /** The replica's watch caches: the store factory registers each stored kind's cacher here. */
  watchCache?: Pick<Cacher, 'forResource'> & Partial<Pick<Cacher, 'drop'>>;
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
  /**
   * Served in this group/version but stored as another kind's version (upstream's
   * storage version): the store reads and writes keyRoot's objects through conversion.
   */
  storedAs?: StoredAs;
  /**
   * Selectable fields the watch cache indexes (upstream's IndexerFuncs, e.g. pods'
   * 'spec.nodeName'): a list or watch whose field selector requires one of them to
   * equal a value reads that value's objects and is offered only their events.
   * The indexed value is the strategy's selectableFields value, so the index finds
   * exactly what the selector matches. Ignored with storedAs (the stored kind indexes).
   */
  watchCacheIndexes?: readonly string[];
  /** Where the objects live under the prefix when upstream does not use the resource name (nodes: minions). */
  keyRoot?: string;
}

export interface StoredAs {
  /** The stored resource's key root, e.g. 'events' for events.k8s.io/v1 events. */
  keyRoot: string;
  conversion: VersionConversion;
}
