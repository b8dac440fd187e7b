import type { KubeObject } from '../../../api/object';
import type { SchemaSet } from '../../../schema/model';
import { GenericStore, type StoreOptions, type UpdateOptions, type WriteParams } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import type { ResourceInfo } from '../../resources';
import { csrApprovalStrategy, csrStatusStrategy, csrStrategy } from '../../strategies/certificates';
import type { Strategy } from '../../strategy';
import { csrTable } from '../../tables/certificates';

/**
 * CSRs have two subresources with rules of their own, as upstream's separate
 * status and approval strategies: each is a store over the same keys whose
 * strategy keeps everything but what that subresource may change.
 */
export class CsrStore extends GenericStore {
  private readonly statusStore: GenericStore;
  private readonly approvalStore: GenericStore;

  constructor(info: ResourceInfo, strategy: Strategy, options: StoreOptions) {
    super(info, strategy, options);
    this.statusStore = new GenericStore(info, csrStatusStrategy, options);
    this.approvalStore = new GenericStore(info, csrApprovalStrategy, options);
    this.subresourceUpdaters.set('approval', (name, body, params) =>
      this.replaceVia(this.approvalStore, name, body, { ...params, subresource: 'approval' }),
    );
  }

  override enableFieldManagement(schemas: SchemaSet): void {
    super.enableFieldManagement(schemas);
    this.statusStore.enableFieldManagement(schemas);
    this.approvalStore.enableFieldManagement(schemas);
  }

  override async updateStatus(
    _namespace: string,
    name: string,
    input: KubeObject,
    params: WriteParams = {},
  ): Promise<KubeObject> {
    return this.replaceVia(this.statusStore, name, input, { ...params, subresource: 'status' });
  }

  override async patchStatus(
    _namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    params: WriteParams = {},
  ): Promise<KubeObject> {
    const r = await this.statusStore.updateWith('', name, mutate, { ...params, subresource: 'status' });
    return r.object;
  }

  /** A patch of /approval (the handler names the subresource) runs the approval rules. */
  override async updateWith(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (options.subresource === 'approval') return this.approvalStore.updateWith(namespace, name, mutate, options);
    return super.updateWith(namespace, name, mutate, options);
  }

  /** An apply to /status runs the status rules, which may set the certificate. */
  override async apply(
    namespace: string,
    name: string,
    applied: KubeObject,
    params: WriteParams & { force?: boolean; statusOnly?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (!params.statusOnly) return super.apply(namespace, name, applied, params);
    return this.statusStore.apply(namespace, name, applied, params);
  }

  /** The body replaces the stored object; the subresource's strategy keeps what it may not change. */
  private async replaceVia(store: GenericStore, name: string, body: KubeObject, params: WriteParams) {
    const r = await store.updateWith('', name, () => ({ ...body, metadata: { ...body.metadata, name } }), params);
    return r.object;
  }
}

export const certificatesigningrequests: KindDefinition = {
  info: {
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    listKind: 'CertificateSigningRequestList',
    singularName: 'certificatesigningrequest',
    namespaced: false,
    shortNames: ['csr'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.certificates.v1.CertificateSigningRequest',
    subresources: [
      { name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: csrStrategy,
  table: csrTable,
  newStore: (def, deps) => new CsrStore(def.info, def.strategy, deps),
};
