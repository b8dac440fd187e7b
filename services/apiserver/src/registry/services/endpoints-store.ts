import { GenericStore, type StoreOptions } from '../generic-store';
import type { ResourceInfo } from '../resources';
import type { Strategy } from '../strategy';

/**
 * Endpoints live under <prefix>/services/endpoints/ as upstream keeps them. The
 * store has a twin for kapi's own writes (`system`), whose strategy accepts the
 * loopback addresses a replica may advertise; user requests never reach it.
 */
export class EndpointsStore extends GenericStore {
  readonly system: GenericStore;
  private readonly storePrefix: string;

  constructor(info: ResourceInfo, strategy: Strategy, systemStrategy: Strategy, options: StoreOptions) {
    super(info, strategy, options);
    this.storePrefix = options.prefix;
    this.system = systemStrategy === strategy ? this : new SystemEndpointsStore(this, systemStrategy, options);
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
    options: StoreOptions,
  ) {
    super(twin.info, strategy, { ...options, prefix: '' });
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

  constructor(info: ResourceInfo, strategy: Strategy, systemStrategy: Strategy, options: StoreOptions) {
    super(info, strategy, options);
    this.system = new GenericStore(info, systemStrategy, options);
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
