import { newMethodNotSupported, newNotFound } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { GenericStore, type ListParams } from '../generic-store';
import type { KindDefinition, StoreDeps } from '../kind';
import {
  CONTROLLER_MANAGER_PORT,
  httpsHealthProbe,
  SCHEDULER_PORT,
  storageHealthProbe,
  type ComponentProbe,
} from './probes';

/** The components upstream reports, by name, in the order kubectl usually shows them. */
export function defaultComponentProbes(storageHealth: () => Promise<void>): Map<string, ComponentProbe> {
  return new Map([
    ['scheduler', httpsHealthProbe('127.0.0.1', SCHEDULER_PORT)],
    ['controller-manager', httpsHealthProbe('127.0.0.1', CONTROLLER_MANAGER_PORT)],
    ['etcd-0', storageHealthProbe(storageHealth)],
  ]);
}

/**
 * componentstatuses: nothing is stored; get and list probe the components
 * each time (upstream's componentstatus REST). Every other verb is 405.
 */
export class ComponentStatusStore extends GenericStore {
  override readonly virtual = true;

  constructor(
    def: KindDefinition,
    deps: StoreDeps,
    private readonly probes: Map<string, ComponentProbe>,
  ) {
    super(def.info, def.strategy, { storage: deps.storage, prefix: deps.prefix });
  }

  private async status(name: string, probe: ComponentProbe): Promise<KubeObject> {
    const health = await probe();
    const condition: Record<string, string> = { type: 'Healthy', status: health.status };
    if (health.message) condition.message = health.message;
    if (health.error) condition.error = health.error;
    return { kind: this.info.kind, apiVersion: this.apiVersion, metadata: { name }, conditions: [condition] };
  }

  override async get(_namespace: string, name: string): Promise<KubeObject> {
    const probe = this.probes.get(name);
    if (!probe) throw newNotFound(this.gr, name);
    return this.status(name, probe);
  }

  override async list(_namespace: string, params: ListParams): Promise<KubeObject> {
    const all = await Promise.all([...this.probes].map(([name, probe]) => this.status(name, probe)));
    const items = all.filter(
      (o) =>
        (!params.labelMatch || params.labelMatch(o.metadata?.labels)) &&
        (!params.fieldMatch || params.fieldMatch(this.selectableFields(o))),
    );
    return { apiVersion: this.apiVersion, kind: this.info.listKind, metadata: {}, items };
  }

  override async watch(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'watch');
  }

  override async create(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'create');
  }

  override async update(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'update');
  }

  override async updateWith(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'patch');
  }

  override async delete(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'delete');
  }

  override async deleteCollection(): Promise<never> {
    throw newMethodNotSupported(this.gr, 'deletecollection');
  }

  override async count(): Promise<number> {
    return 0;
  }
}
