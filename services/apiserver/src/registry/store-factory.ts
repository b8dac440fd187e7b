import type { KubeObject } from '../api/object';
import type { CacheIndexers } from '../storage/cacher';
import { convertingStorage } from '../storage/converting-storage';
import { GenericStore, type StoreOptions } from './generic-store';
import type { KindDefinition, StoreDeps } from './kind';
import { defaultTable } from './tables/default';

export type { StoreDeps } from './kind';

/** Builds the store of one kind: its own when it has one, the generic store otherwise. */
export function makeStore(def: KindDefinition, deps: StoreDeps): GenericStore {
  const scoped: StoreDeps = def.info.namespaced ? deps : { ...deps, namespaceGate: undefined };
  const store = def.newStore
    ? def.newStore(def, scoped)
    : new GenericStore(def.info, def.strategy, withStoredAs(def, scoped));
  store.tableConverter = def.table ?? defaultTable;
  if (deps.watchCache && !store.virtual) {
    deps.watchCache.forResource(store.listPrefix(''), { indexers: def.storedAs ? undefined : indexersOf(def, store) });
  }
  return store;
}

/** The kind's declared index fields, valued as its field selectors see them. */
function indexersOf(def: KindDefinition, store: GenericStore): CacheIndexers | undefined {
  const fields = def.watchCacheIndexes ?? [];
  if (fields.length === 0) return undefined;
  return Object.fromEntries(fields.map((f) => [f, (obj: KubeObject) => store.selectableFields(obj)[f] ?? '']));
}

/** A served version of another version's storage reads its keys through conversion. */
function withStoredAs(def: KindDefinition, deps: StoreDeps): StoreOptions {
  if (!def.storedAs) return def.keyRoot ? { ...deps, keyRoot: def.keyRoot } : deps;
  const { keyRoot, conversion } = def.storedAs;
  return { ...deps, keyRoot, storage: convertingStorage(deps.storage, conversion) };
}
