import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { GenericStore, type DeleteParams, type ListParams } from '../generic-store';
import { isSystemPriorityClassName } from '../strategies/priorityclasses';

/**
 * PriorityClasses whose system classes cannot be deleted one by one (upstream's
 * priorityclass REST Delete). A collection delete still removes them, as upstream's
 * generic store deletes collections without that check; the start-up hook then
 * brings them back.
 */
export class PriorityClassStore extends GenericStore {
  override async delete(
    namespace: string,
    name: string,
    params: DeleteParams = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    if (isSystemPriorityClassName(name)) {
      throw new StatusError(
        403,
        'Forbidden',
        `priorityclasses.scheduling.k8s.io "${name}" is forbidden: this is a system priority class and cannot be deleted`,
        { name, group: 'scheduling.k8s.io', kind: 'priorityclasses' },
      );
    }
    return super.delete(namespace, name, params);
  }

  override async deleteCollection(
    namespace: string,
    listParams: ListParams,
    params: DeleteParams = {},
  ): Promise<KubeObject> {
    const list = await this.list(namespace, { ...listParams, limit: undefined, continueToken: undefined });
    const items = Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
    const deleted: KubeObject[] = [];
    for (const item of items) {
      try {
        const r = await super.delete('', item.metadata?.name ?? '', { ...params, preconditions: undefined });
        deleted.push(r.object);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return { ...list, items: deleted };
  }
}
