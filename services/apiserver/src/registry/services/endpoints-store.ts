import type { Storage } from '../../storage/interface';
import { GenericStore, type NamespaceGate } from '../generic-store';
import type { ResourceInfo } from '../resources';
import type { Strategy } from '../strategy';

/**
 * Endpoints live under <prefix>/services/endpoints/ as upstream keeps them. The
 * store has a twin for kapi's own writes (`system`), whose strategy accepts the
 * loopback addresses a replica may advertise; user requests never reach it.
 */
export class EndpointsStore extends GenericStore {
  readonly system: GenericStore;

  constructor(
    info: ResourceInfo,
    strategy: Strategy,
    systemStrategy: Strategy,
    storage: Storage,
    private readonly storePrefix: string,
    namespaceGate?: NamespaceGate,
  ) {
    super(info, strategy, storage, storePrefix, namespaceGate);
    this.system =
      systemStrategy === strategy ? this : new SystemEndpointsStore(this, systemStrategy, storage, namespaceGate);
  }

  override listPrefix(namespace: string): string {
    const base = `${this.storePrefix}/services/endpoints/`;
    return namespace ? `${base}${namespace}/` : base;
  }

  override key(namespace: string, name: string): string {
    if (!namespace) return super.key(namespace, name);
    return `${this.storePrefix}/services/endpoints/${namespace}/${name}`;
  }
}

/** Same keys as its user-facing twin, another strategy. */
class SystemEndpointsStore extends GenericStore {
  constructor(
    private readonly twin: GenericStore,
    strategy: Strategy,
    storage: Storage,
    namespaceGate?: NamespaceGate,
  ) {
    super(twin.info, strategy, storage, '', namespaceGate);
  }

  override listPrefix(namespace: string): string {
    return this.twin.listPrefix(namespace);
  }

  override key(namespace: string, name: string): string {
    return this.twin.key(namespace, name);
  }
}

/** A store whose writes keep the user-facing rules, with a twin for system writes. */
export class SystemWritableStore extends GenericStore {
  readonly system: GenericStore;

  constructor(
    info: ResourceInfo,
    strategy: Strategy,
    systemStrategy: Strategy,
    storage: Storage,
    prefix: string,
    namespaceGate?: NamespaceGate,
  ) {
    super(info, strategy, storage, prefix, namespaceGate);
    this.system = new GenericStore(info, systemStrategy, storage, prefix, namespaceGate);
  }
}

/**
 * The store the system (the kubernetes Service endpoint reconciler) writes
 * Endpoints and EndpointSlices through: loopback addresses allowed. Any other
 * store is returned as it is.
 */
export function systemWriter(store: GenericStore): GenericStore {
  if (store instanceof EndpointsStore || store instanceof SystemWritableStore) return store.system;
  return store;
}
