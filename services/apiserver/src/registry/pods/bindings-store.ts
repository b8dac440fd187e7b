import { newMethodNotSupported } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { GenericStore, type ListParams, type WriteParams } from '../generic-store';
import type { KindDefinition, StoreDeps } from '../kind';
import { bindPod } from './binding';

/**
 * The legacy `bindings` resource: a POST names the pod in the Binding's
 * metadata.name and binds it as pods/binding does. Nothing of its own is stored.
 */
export class BindingsStore extends GenericStore {
  override readonly virtual = true;

  constructor(
    def: KindDefinition,
    deps: StoreDeps,
    private readonly pods: GenericStore,
  ) {
    super(def.info, def.strategy, { storage: deps.storage, prefix: deps.prefix, admission: deps.admission });
  }

  override async create(namespace: string, input: KubeObject, params: WriteParams = {}): Promise<KubeObject> {
    const name = input.metadata?.name ?? '';
    const object = { ...input, metadata: { ...input.metadata, namespace } };
    await this.admitSubresourceCreate(
      '',
      { namespace, name, object, dryRun: params.dryRun, recorder: params.recorder },
      params.user,
    );
    return bindPod(this.pods, namespace, name, object, params);
  }

  override async list(_namespace: string, _params: ListParams): Promise<KubeObject> {
    throw newMethodNotSupported(this.gr, 'list');
  }
}
