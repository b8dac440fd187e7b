import type { KubeObject } from '../api/object';
import { timeNow } from '../api/time';
import { newConflict, StatusError } from '../api/errors';
import { GenericStore, type DeleteParams } from '../registry/generic-store';

/**
 * Namespaces are deleted in two steps, as upstream: DELETE marks the namespace
 * Terminating; once its content is gone and spec.finalizers is empty it is removed.
 */
export class NamespaceStore extends GenericStore {
  override get returnsDeletedObject(): boolean {
    return true;
  }

  override async delete(
    namespace: string,
    name: string,
    params: DeleteParams = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const current = await this.get('', name);
    const specFinalizers = ((current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length;
    const metaFinalizers = (current.metadata?.finalizers ?? []).length;
    if (specFinalizers === 0 && metaFinalizers === 0) return super.delete(namespace, name, params);
    const pre = params.preconditions;
    if (pre?.uid && pre.uid !== current.metadata?.uid) {
      throw newConflict(
        this.gr,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ''}`,
      );
    }
    if (current.metadata?.deletionTimestamp) return { object: current, deleted: false };
    const r = await this.updateWith(
      '',
      name,
      (cur) => {
        const m = cur.metadata ?? {};
        m.deletionTimestamp = m.deletionTimestamp ?? timeNow();
        m.deletionGracePeriodSeconds = 0;
        cur.metadata = m;
        cur.status = { ...((cur.status as Record<string, unknown>) ?? {}), phase: 'Terminating' };
        return cur;
      },
      { dryRun: params.dryRun },
      false,
      true,
      true,
    );
    return { object: r.object, deleted: false };
  }

  /** PUT namespaces/<name>/finalize: replaces spec.finalizers; removes the namespace when nothing holds it. */
  async finalize(name: string, finalizers: string[]): Promise<KubeObject> {
    const r = await this.updateWith(
      '',
      name,
      (cur) => {
        cur.spec = { ...((cur.spec as Record<string, unknown>) ?? {}), finalizers };
        if (finalizers.length === 0) delete (cur.spec as Record<string, unknown>).finalizers;
        return cur;
      },
      {},
      false,
      true,
    );
    const obj = r.object;
    const m = obj.metadata ?? {};
    if (m.deletionTimestamp && finalizers.length === 0 && (m.finalizers ?? []).length === 0) {
      try {
        return (await super.delete('', name, {})).object;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return obj;
        throw e;
      }
    }
    return obj;
  }
}
