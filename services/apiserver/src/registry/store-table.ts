import type { GenericStore } from './generic-store';
import type { ResourceInfo } from './resources';

/** The served resources' stores, looked up by group, version and plural. */
export class StoreTable {
  private readonly byKey = new Map<string, GenericStore>();

  add(store: GenericStore): void {
    const i = store.info;
    this.byKey.set(`${i.group}/${i.version}/${i.resource}`, store);
  }

  /** Stops serving a resource (a custom resource version whose definition changed or went). */
  remove(group: string, version: string, resource: string): void {
    this.byKey.delete(`${group}/${version}/${resource}`);
  }

  store(group: string, version: string, resource: string): GenericStore | undefined {
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  /** The store of a kind, e.g. ('', 'Service'). */
  byKind(group: string, kind: string): GenericStore | undefined {
    return this.all().find((s) => s.info.group === group && s.info.kind === kind);
  }

  get size(): number {
    return this.byKey.size;
  }

  all(): GenericStore[] {
    return [...this.byKey.values()];
  }

  resources(): ResourceInfo[] {
    return this.all().map((s) => s.info);
  }
}
