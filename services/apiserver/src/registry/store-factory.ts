import { GenericStore } from './generic-store';
import type { KindDefinition, StoreDeps } from './kind';
import { defaultTable } from './tables/default';

export type { StoreDeps } from './kind';

/** Builds the store of one kind: its own when it has one, the generic store otherwise. */
export function makeStore(def: KindDefinition, deps: StoreDeps): GenericStore {
  const scoped: StoreDeps = def.info.namespaced ? deps : { ...deps, namespaceGate: undefined };
  const store = def.newStore ? def.newStore(def, scoped) : new GenericStore(def.info, def.strategy, scoped);
  store.tableConverter = def.table ?? defaultTable;
  return store;
}
