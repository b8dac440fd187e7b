import { GenericStore, type StoreOptions } from '../generic-store';
import type { ResourceInfo } from '../resources';
import type { Strategy } from '../strategy';

/**
 * A store whose writes keep the user-facing rules, with a twin over the same keys
 * for kapi's own writes (`system`), whose strategy accepts the loopback addresses
 * a replica may advertise; user requests never reach it.
 */
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
  if (store instanceof SystemWritableStore) return store.system;
  return store;
}
