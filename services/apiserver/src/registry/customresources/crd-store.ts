import { newConflict } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { timeNow } from '../../api/time';
import type { CustomResourceDefinition } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { GenericStore, type DeleteParams } from '../generic-store';
import { meta } from '../store-reads';
import { CRD_CLEANUP_FINALIZER, setCrdCondition } from './crd-conditions';

/**
 * The CRD store: the first delete of a definition only marks it (deletionTimestamp, the
 * cleanup finalizer, Terminating) so its instances are removed before it goes, as upstream.
 */
export class CrdStore extends GenericStore {
  override async delete(
    namespace: string,
    name: string,
    params: DeleteParams = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const current = await this.get('', name);
    if (meta(current).deletionTimestamp) return super.delete(namespace, name, params);
    const pre = params.preconditions;
    if (pre?.uid && pre.uid !== meta(current).uid) {
      throw newConflict(
        this.gr,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta(current).uid ?? ''}`,
      );
    }
    try {
      const marked = await this.storage.guaranteedUpdate(
        this.key('', name),
        { uid: pre?.uid, resourceVersion: pre?.resourceVersion },
        (cur) => {
          const m = meta(cur);
          m.deletionTimestamp ??= timeNow();
          const finalizers = m.finalizers ?? [];
          if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) m.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
          setCrdCondition(cur as CustomResourceDefinition, {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionPending',
            message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
          });
          delete m.resourceVersion;
          return cur;
        },
        { dryRun: params.dryRun },
      );
      return { object: this.returned(marked), deleted: false };
    } catch (e) {
      this.translateError(e, name);
    }
  }
}
