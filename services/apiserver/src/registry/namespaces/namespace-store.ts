import type { KubeObject } from '../../api/object';
import { timeNow } from '../../api/time';
import { newConflict, newInvalid, StatusError } from '../../api/errors';
import { GenericStore, type DeleteParams, type StoreOptions } from '../generic-store';
import type { ResourceInfo } from '../resources';
import { validateKubeFinalizerName } from '../strategies/namespaces';
import type { Strategy } from '../strategy';
import type { Storage } from '../../storage/interface';
import type { NamespaceCondition, NamespaceStatus } from '../../generated/k8s.io.api.core.v1';

export function specFinalizersOf(obj: KubeObject): string[] {
  const v = (obj.spec as { finalizers?: unknown } | undefined)?.finalizers;
  return Array.isArray(v) ? v.map((f) => String(f)) : [];
}

/** Thrown inside validateDeletion to turn a removal into "keep it" without a second read. */
class StillHeld extends Error {
  constructor(readonly current: KubeObject) {
    super('namespace is held by spec.finalizers');
  }
}

/**
 * Storage as the namespace store sees it: a namespace is never removed while
 * spec.finalizers is non-empty. The generic store removes an object once its
 * deletionTimestamp is set and metadata.finalizers is empty (after any update),
 * which knows nothing of spec.finalizers; without this guard marking a namespace
 * Terminating removed it at once and left its content behind (upstream's
 * ShouldDeleteDuringUpdate of the namespace registry). The check runs inside the
 * storage's compare-and-delete, so it sees the state being deleted.
 */
export function holdHeldNamespaces(storage: Storage): Storage {
  return {
    get: (key, opts) => storage.get(key, opts),
    list: (key, opts) => storage.list(key, opts),
    listLazy: (key, opts) => storage.listLazy?.(key, opts) ?? storage.list(key, opts),
    watch: (key, opts) => storage.watch(key, opts),
    create: (key, obj, opts) => storage.create(key, obj, opts),
    guaranteedUpdate: (key, pre, fn, opts) => storage.guaranteedUpdate(key, pre, fn, opts),
    async delete(key, preconditions, opts = {}) {
      try {
        return await storage.delete(key, preconditions, {
          ...opts,
          validateDeletion: async (obj) => {
            if (specFinalizersOf(obj).length > 0) throw new StillHeld(obj);
            await opts.validateDeletion?.(obj);
          },
        });
      } catch (e) {
        if (e instanceof StillHeld) return e.current;
        throw e;
      }
    },
    count: (key) => storage.count(key),
    currentRevision: () => storage.currentRevision(),
    healthCheck: () => storage.healthCheck(),
    close: () => storage.close(),
  };
}

/**
 * Namespaces are deleted in two steps, as upstream: DELETE marks the namespace
 * Terminating; once its content is gone and spec.finalizers is empty it is removed.
 */
export class NamespaceStore extends GenericStore {
  constructor(info: ResourceInfo, strategy: Strategy, options: StoreOptions) {
    super(info, strategy, { ...options, storage: holdHeldNamespaces(options.storage), returnsDeletedObject: true });
    this.subresourceUpdaters.set('finalize', (name, body, params) => this.updateFinalize(name, body, params));
  }

  override async delete(
    namespace: string,
    name: string,
    params: DeleteParams = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const current = await this.get('', name);
    const pre = params.preconditions;
    if (pre?.uid && pre.uid !== current.metadata?.uid) {
      throw newConflict(
        this.gr,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata?.resourceVersion) {
      throw newConflict(
        this.gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata?.resourceVersion ?? ''}`,
      );
    }
    // admission (NamespaceLifecycle keeps default, kube-system and kube-public) judges every path below
    await this.admitDelete(current, name, params);
    const specFinalizers = specFinalizersOf(current).length;
    const metaFinalizers = (current.metadata?.finalizers ?? []).length;
    if (specFinalizers === 0 && metaFinalizers === 0)
      return super.delete(namespace, name, { ...params, admitted: true });
    if (current.metadata?.deletionTimestamp) return { object: current, deleted: false };
    const r = await this.updateWith(
      '',
      name,
      (cur) => {
        if (pre?.uid && cur.metadata?.uid !== pre.uid) {
          throw newConflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}`);
        }
        const m = cur.metadata ?? {};
        m.deletionTimestamp = m.deletionTimestamp ?? timeNow();
        m.deletionGracePeriodSeconds = 0;
        cur.metadata = m;
        cur.status = { ...((cur.status as Record<string, unknown>) ?? {}), phase: 'Terminating' };
        return cur;
      },
      { dryRun: params.dryRun, statusOnly: true, systemWrite: true },
    );
    return { object: r.object, deleted: false };
  }

  /**
   * PUT namespaces/<name>/finalize with a client's body: only spec.finalizers is
   * taken from it (upstream's finalize strategy), validated as on create.
   */
  async updateFinalize(name: string, body: KubeObject, params: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const finalizers = specFinalizersOf(body);
    const errs = finalizers.flatMap((f, i) => validateKubeFinalizerName(f, `spec.finalizers[${i}]`));
    if (errs.length > 0) throw newInvalid(this.info.kind, this.info.group, name, errs);
    const rv = body.metadata?.resourceVersion;
    return this.finalize(name, finalizers, { dryRun: params.dryRun, resourceVersion: rv });
  }

  /** Replaces spec.finalizers; removes the namespace when nothing holds it any more. */
  async finalize(
    name: string,
    finalizers: string[],
    params: { dryRun?: boolean; resourceVersion?: string } = {},
  ): Promise<KubeObject> {
    const r = await this.updateWith(
      '',
      name,
      (cur) => {
        if (params.resourceVersion && params.resourceVersion !== cur.metadata?.resourceVersion) {
          throw newConflict(
            this.gr,
            name,
            'the object has been modified; please apply your changes to the latest version and try again',
          );
        }
        cur.spec = { ...((cur.spec as Record<string, unknown>) ?? {}), finalizers };
        if (finalizers.length === 0) delete (cur.spec as Record<string, unknown>).finalizers;
        return cur;
      },
      { dryRun: params.dryRun, statusOnly: true, systemWrite: true },
    );
    const obj = r.object;
    const m = obj.metadata ?? {};
    if (!params.dryRun && m.deletionTimestamp && finalizers.length === 0 && (m.finalizers ?? []).length === 0) {
      try {
        return (await super.delete('', name, {})).object;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return obj;
        throw e;
      }
    }
    return obj;
  }

  /**
   * Writes status.conditions (the namespace controller's progress report); false
   * when the namespace is gone. Never removes or revives the namespace.
   */
  async setConditions(
    name: string,
    update: (conditions: NamespaceCondition[]) => NamespaceCondition[] | undefined,
  ): Promise<boolean> {
    try {
      await this.updateWith(
        '',
        name,
        (cur) => {
          const status = (cur.status as NamespaceStatus | undefined) ?? {};
          const next = update(status.conditions ?? []);
          if (next) cur.status = { ...status, conditions: next };
          return cur;
        },
        { statusOnly: true, systemWrite: true },
      );
      return true;
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return false;
      throw e;
    }
  }
}

export type { NamespaceCondition };
