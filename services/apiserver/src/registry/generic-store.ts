import { randomUUID } from 'node:crypto';
import { newBadRequest, newConflict, newInvalid, newNotFound, StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { StorageError } from '../storage/errors';
import { withPropagationFinalizers } from './deletion-finalizers';
import { gracefulStep } from './graceful-delete';
import { generateNameFrom } from './validation/names';
import { timeNow } from '../api/time';
import type { ResourceInfo } from './resources';
import type { DeleteParams, ListParams, NamespaceGate, StoreOptions, UpdateOptions, WriteParams } from './store-params';
import type { Strategy } from './strategy';
import { meta, StoreReads } from './store-reads';
import { FieldSet, serverSideApply, updateManagedFields } from '../apply';
import type { SchemaSet } from '../schema/model';
import { earlySizeLimitError, type SizeLimitVerdict } from './oversized-create';
import type { Admission } from '../admission/interface';
import { admissionAttributes, type AttributeFields } from './store-admission';
import type { UserInfo } from '../authn/user';

export type * from './store-params';
export { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, withPropagationFinalizers } from './deletion-finalizers';

function sameStrings(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Upstream's generic registry Store: create/get/list/update/delete/watch of one
 * resource over the storage interface, with a Strategy for what is specific.
 */
export class GenericStore extends StoreReads {
  private readonly namespaceGate: NamespaceGate | undefined;
  private readonly admission: Admission | undefined;

  constructor(info: ResourceInfo, strategy: Strategy, options: StoreOptions) {
    super(info, strategy, options);
    this.namespaceGate = options.namespaceGate;
    this.admission = options.admission;
  }

  private schemas: SchemaSet | undefined;

  /** The message managedFields and apply walk: the kind's own, or a custom resource's schema-shaped one. */
  private get fieldsMessage(): string {
    return this.info.fieldsMessageType ?? this.info.messageType;
  }

  /** Turns on managedFields tracking for every write, as upstream's field manager does. */
  enableFieldManagement(schemas: SchemaSet): void {
    this.schemas = schemas;
  }

  /**
   * The reset fields: what a write through the main resource never changes or owns. Writes
   * through status, or a subresource with status rules of its own (a CSR's approval), own status fields.
   */
  private ignoredFields(statusOnly: boolean, subresource?: string): FieldSet | undefined {
    const reset = this.strategy.resetFields;
    if (reset) return FieldSet.of(...reset.map((path) => path.map((field) => ({ field }))));
    const ownsStatus = statusOnly || (subresource !== undefined && subresource !== 'scale');
    if (ownsStatus || !this.info.subresources.some((s) => s.name === 'status')) return undefined;
    return FieldSet.of([{ field: 'status' }]);
  }

  private manageFields(
    current: KubeObject | undefined,
    next: KubeObject,
    params: WriteParams,
    statusOnly: boolean,
  ): KubeObject {
    if (!this.schemas || params.managedFieldsDone) return next;
    return updateManagedFields(this.schemas, this.fieldsMessage, current, next, {
      manager: params.manager || 'unknown',
      apiVersion: this.apiVersion,
      subresource: params.subresource ?? (statusOnly ? 'status' : undefined),
      ignored: this.ignoredFields(statusOnly, params.subresource),
    });
  }

  /** Server-side apply of a decoded apply configuration; creates the object when missing. */
  async apply(
    namespace: string,
    name: string,
    applied: KubeObject,
    params: WriteParams & { force?: boolean; statusOnly?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const schemas = this.schemas;
    if (!schemas) throw newBadRequest('server-side apply is not available for this resource');
    const opts = {
      manager: params.manager ?? '',
      apiVersion: this.apiVersion,
      force: params.force,
      subresource: params.subresource ?? (params.statusOnly ? 'status' : undefined),
      ignored: this.ignoredFields(!!params.statusOnly, params.subresource),
    };
    const existing = await this.storage
      .get(this.key(namespace, name), { ignoreNotFound: true })
      .catch((e: unknown) => this.translateError(e, name));
    const part = params.subresource ? this.partialWrites.get(params.subresource) : undefined;
    if (!existing) {
      if (params.statusOnly || part) throw newNotFound(this.gr, name);
      const obj = serverSideApply(schemas, this.fieldsMessage, undefined, applied, opts);
      const created = await this.create(namespace, obj, { ...params, managedFieldsDone: true });
      return { object: created, created: true };
    }
    if (part) {
      // an apply to a subresource that owns one part (pods/ephemeralcontainers) keeps only that part
      return this.updateWith(
        namespace,
        name,
        (current) => {
          const result = serverSideApply(schemas, this.fieldsMessage, current, applied, opts);
          const merged = part.merge(current, result);
          // the apply's ownership is of the whole request, not only of the part kept
          meta(merged).managedFields = result.metadata?.managedFields;
          return merged;
        },
        { ...params, managedFieldsDone: true, statusOnly: true, validateUpdate: part.validateUpdate },
      );
    }
    return this.updateWith(
      namespace,
      name,
      (current) => serverSideApply(schemas, this.fieldsMessage, current, applied, opts),
      { ...params, managedFieldsDone: true, statusOnly: !!params.statusOnly },
    );
  }

  private checkCreateMeta(obj: KubeObject, namespace: string): void {
    const m = meta(obj);
    if (this.info.namespaced) {
      if (m.namespace && namespace && m.namespace !== namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!m.namespace) m.namespace = namespace;
    } else if (m.namespace) {
      // cluster-scoped objects never carry a namespace
      delete m.namespace;
    }
  }

  /** The metadata a create sets between managedFields and preparation. */
  private stampCreateMeta(obj: KubeObject): void {
    const m = meta(obj);
    m.uid = randomUUID();
    m.creationTimestamp = timeNow();
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (!this.info.namespaced) delete m.namespace;
  }

  /** What create does before managedFields: type meta, namespace, generated name, defaults. */
  private createInput(namespace: string, input: KubeObject): KubeObject {
    const obj = this.withTypeMeta(input);
    this.checkCreateMeta(obj, namespace);
    const m = meta(obj);
    if (!m.name && m.generateName) m.name = generateNameFrom(m.generateName);
    this.strategy.applyDefaults?.(obj);
    return obj;
  }

  private earlySizeLimitError(obj: KubeObject, params: WriteParams, gated: boolean): Promise<StorageError | undefined> {
    if (!this.schemas || params.managedFieldsDone) return Promise.resolve(undefined);
    const gate = gated && this.info.namespaced ? this.namespaceGate : undefined;
    const check = { storage: this.storage, strategy: this.strategy, gr: this.gr, apiVersion: this.apiVersion };
    const stamp = (o: KubeObject): void => this.stampCreateMeta(o);
    return earlySizeLimitError({ ...check, stamp, gate, manager: params.manager }, obj, params.bodyBytes);
  }

  /**
   * The first half of an early refusal, for a thread of its own (see oversized-worker.ts): whether
   * the create of `input` will end in the storage limit's 413, up to the namespace checks, which
   * need this replica's state. The storage error's message and the object's name when it will;
   * undefined when the ordinary create has to decide. Throws what the steps before it throw.
   */
  async sizeLimitVerdict(
    namespace: string,
    input: KubeObject,
    params: WriteParams,
  ): Promise<SizeLimitVerdict | undefined> {
    const obj = this.createInput(namespace, input);
    const err = await this.earlySizeLimitError(obj, params, false);
    return err && { message: err.message, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
  }

  /** The second half: the namespace checks a create makes, then the storage limit's 413. */
  async refuseOversized(verdict: SizeLimitVerdict): Promise<never> {
    const { namespace, name } = verdict;
    if (this.info.namespaced && this.namespaceGate) await this.namespaceGate(namespace, this.gr, name);
    this.translateError(new StorageError('TooLarge', '', verdict.message), name);
  }

  /**
   * The attributes of a request's write, when it passes admission: requests do (they have a
   * user), the server's own writes do not.
   */
  protected admitted(operation: 'CREATE' | 'UPDATE' | 'DELETE', user: UserInfo | undefined, f: AttributeFields) {
    if (!this.admission || !user) return undefined;
    return { chain: this.admission, attrs: admissionAttributes(this.info, operation, user, f) };
  }

  /**
   * Admission of a POST to a subresource served by its own creator (pods/eviction,
   * pods/binding, serviceaccounts/token): the subresource's object is what is judged.
   */
  async admitSubresourceCreate(
    subresource: string,
    fields: Omit<AttributeFields, 'subresource'>,
    user: UserInfo | undefined,
  ): Promise<void> {
    const run = this.admitted('CREATE', user, { ...fields, subresource });
    if (!run) return;
    await run.chain.admit(run.attrs);
    await run.chain.validate(run.attrs);
  }

  async create(namespace: string, input: KubeObject, params: WriteParams = {}): Promise<KubeObject> {
    const requestedName = input.metadata?.name ?? '';
    let obj = this.createInput(namespace, input);
    let m = meta(obj);
    const early = await this.earlySizeLimitError(obj, params, true);
    if (early) this.translateError(early, m.name ?? '');
    const managed = this.manageFields(undefined, obj, params, false);
    if (managed.metadata?.managedFields) m.managedFields = managed.metadata.managedFields;
    else delete m.managedFields;
    const run = this.admitted('CREATE', params.user, {
      namespace: m.namespace ?? '',
      name: requestedName,
      object: obj,
      dryRun: params.dryRun,
      recorder: params.recorder,
    });
    if (run) {
      await run.chain.admit(run.attrs);
      obj = this.withTypeMeta(run.attrs.object ?? obj);
      m = meta(obj);
    }
    this.stampCreateMeta(obj);
    this.strategy.prepareForCreate?.(obj);
    const errs = this.strategy.validate(obj);
    if (errs.length > 0) throw newInvalid(this.info.kind, this.info.group, m.name ?? m.generateName ?? '', errs);
    this.strategy.beginCreate?.(obj, { user: params.user, namespace: m.namespace ?? '' });
    if (run) {
      run.attrs.object = obj;
      await run.chain.validate(run.attrs);
    } else if (this.info.namespaced && this.namespaceGate) {
      await this.namespaceGate(m.namespace ?? '', this.gr, m.name ?? '');
    }
    try {
      const stored = await this.storage.create(this.key(m.namespace ?? '', m.name ?? ''), obj, {
        dryRun: params.dryRun,
      });
      await this.hooks.afterCreate?.(stored, params);
      return this.returned(stored);
    } catch (e) {
      this.translateError(e, m.name ?? '');
    }
  }

  /**
   * PUT semantics: the new object replaces the stored one; a resourceVersion in the
   * body must match, unless the strategy allows unconditional updates.
   */
  async update(
    namespace: string,
    name: string,
    input: KubeObject,
    params: WriteParams = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const obj = this.withTypeMeta(input);
    const m = meta(obj);
    if (m.name !== undefined && m.name !== name) {
      throw newBadRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
    }
    m.name = name;
    this.checkCreateMeta(obj, namespace);
    return this.updateWith(namespace, name, () => obj, { ...params, allowCreate: true });
  }

  /** Read-modify-write used by update, patch and subresources. */
  async updateWith(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const { allowCreate = false, statusOnly = false, systemWrite = false, validateUpdate, ...params } = options;
    const key = this.key(namespace, name);
    let created = false;
    try {
      const current = await this.storage.get(key, { ignoreNotFound: true });
      if (!current) {
        if (!allowCreate || !this.strategy.allowCreateOnUpdate) throw newNotFound(this.gr, name);
        const obj = await mutate({ metadata: { name, namespace } });
        created = true;
        return { object: await this.create(namespace, obj, params), created };
      }
    } catch (e) {
      this.translateError(e, name);
    }
    try {
      const updated = await this.storage.guaranteedUpdate(
        key,
        undefined,
        async (current) => {
          const currentRV = meta(current).resourceVersion ?? '';
          const next = this.withTypeMeta(await mutate(JSON.parse(JSON.stringify(current)) as KubeObject));
          const nm = meta(next);
          const om = meta(current);
          const requestedRV = nm.resourceVersion ?? '';
          if (requestedRV === '' && !this.strategy.allowUnconditionalUpdate) {
            throw newInvalid(this.info.kind, this.info.group, name, [
              {
                type: 'FieldValueInvalid',
                field: 'metadata.resourceVersion',
                message: 'Invalid value: 0x0: must be specified for an update',
              },
            ]);
          }
          if (requestedRV !== '' && requestedRV !== currentRV) {
            throw newConflict(
              this.gr,
              name,
              'the object has been modified; please apply your changes to the latest version and try again',
            );
          }
          this.strategy.applyDefaults?.(next);
          if (!systemWrite) {
            const managed = this.manageFields(current, next, params, statusOnly);
            if (managed.metadata?.managedFields) nm.managedFields = managed.metadata.managedFields;
            else delete nm.managedFields;
          }
          const run = systemWrite ? undefined : await this.admitUpdate(next, current, name, options);
          // system-owned metadata is kept from the stored object
          nm.uid = om.uid;
          nm.creationTimestamp = om.creationTimestamp;
          // deletion metadata is the server's to set (systemWrite), never a client's
          if (!systemWrite) {
            if (om.deletionTimestamp) nm.deletionTimestamp = om.deletionTimestamp;
            else delete nm.deletionTimestamp;
            if (om.deletionGracePeriodSeconds !== undefined)
              nm.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
            else delete nm.deletionGracePeriodSeconds;
          }
          if (!this.info.namespaced) delete nm.namespace;
          if (!statusOnly) this.strategy.prepareForUpdate?.(next, current);
          else this.strategy.prepareForStatusUpdate?.(next, current);
          const errs = systemWrite
            ? []
            : validateUpdate
              ? validateUpdate(next, current)
              : statusOnly && this.strategy.validateStatusUpdate
                ? this.strategy.validateStatusUpdate(next, current)
                : this.strategy.validateUpdate(next, current);
          if (errs.length > 0) throw newInvalid(this.info.kind, this.info.group, name, errs);
          if (!systemWrite) this.strategy.beginUpdate?.(next, current, { user: params.user, namespace });
          if (run) {
            run.attrs.object = next;
            await run.chain.validate(run.attrs);
          }
          delete nm.resourceVersion;
          return next;
        },
        { dryRun: params.dryRun },
      );
      const um = meta(updated);
      // a gracefully deleted object waits for its grace period's owner, whatever else is written to it
      const graceful = (um.deletionGracePeriodSeconds ?? 0) > 0;
      if (um.deletionTimestamp && !graceful && (!um.finalizers || um.finalizers.length === 0)) {
        // the last finalizer is gone: the object can now really be deleted
        const deleted = await this.storage.delete(key, { uid: um.uid }, { dryRun: params.dryRun });
        await this.hooks.afterDelete?.(deleted, { dryRun: params.dryRun });
        return { object: this.returned(deleted), created: false };
      }
      return { object: this.returned(updated), created };
    } catch (e) {
      this.translateError(e, name);
    }
  }

  /**
   * Mutating admission of an update, in place on `next` (a webhook's patch may
   * replace it: its content is copied back so the caller's reference stays the one
   * written). Returns the attributes for the validating pass.
   */
  private async admitUpdate(next: KubeObject, current: KubeObject, name: string, options: UpdateOptions) {
    const run = this.admitted('UPDATE', options.user, {
      namespace: current.metadata?.namespace ?? '',
      name,
      subresource: options.subresource ?? (options.statusOnly ? 'status' : undefined),
      object: next,
      oldObject: current,
      dryRun: options.dryRun,
      recorder: options.recorder,
    });
    if (!run) return undefined;
    await run.chain.admit(run.attrs);
    const out = run.attrs.object;
    if (out && out !== next) {
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, this.withTypeMeta(out));
    }
    return run;
  }

  /** Admission of a request's delete, with the stored object it would remove. */
  protected async admitDelete(current: KubeObject, name: string, params: DeleteParams): Promise<void> {
    const run = this.admitted('DELETE', params.user, {
      namespace: meta(current).namespace ?? '',
      name,
      oldObject: current,
      dryRun: params.dryRun,
      recorder: params.recorder,
    });
    if (!run) return;
    await run.chain.admit(run.attrs);
    await run.chain.validate(run.attrs);
  }

  /**
   * Objects with finalizers only get a deletionTimestamp; the rest are removed.
   * Returns the object and whether it is gone.
   */
  async delete(
    namespace: string,
    name: string,
    params: DeleteParams = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    try {
      const current = await this.storage.get(key);
      if (!current) throw newNotFound(this.gr, name);
      const cm = meta(current);
      const pre = params.preconditions;
      if (pre?.uid && pre.uid !== cm.uid) {
        throw newConflict(
          this.gr,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cm.uid ?? ''}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cm.resourceVersion) {
        throw newConflict(
          this.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cm.resourceVersion ?? ''}`,
        );
      }
      if (!params.admitted) await this.admitDelete(current, name, params);
      const step = this.hooks.gracePeriod
        ? gracefulStep(current, params.gracePeriodSeconds, this.hooks.gracePeriod)
        : undefined;
      if (step?.kind === 'pending') return { object: this.returned(current), deleted: false };
      if (step?.kind === 'mark') {
        const marked = await this.storage.guaranteedUpdate(
          key,
          { uid: cm.uid, resourceVersion: pre?.resourceVersion },
          (cur) => {
            const m = meta(cur);
            m.deletionTimestamp = step.deletionTimestamp;
            m.deletionGracePeriodSeconds = step.gracePeriodSeconds;
            m.finalizers = withPropagationFinalizers(m.finalizers ?? [], params.propagationPolicy);
            if (m.finalizers.length === 0) delete m.finalizers;
            delete m.resourceVersion;
            return cur;
          },
          { dryRun: params.dryRun },
        );
        return { object: this.returned(marked), deleted: false };
      }
      const finalizers = withPropagationFinalizers(cm.finalizers ?? [], params.propagationPolicy);
      if (finalizers.length > 0) {
        const unchanged =
          cm.deletionTimestamp &&
          (cm.deletionGracePeriodSeconds ?? 0) === 0 &&
          sameStrings(finalizers, cm.finalizers ?? []);
        if (unchanged) return { object: this.returned(current), deleted: false };
        const updated = await this.storage.guaranteedUpdate(
          key,
          { uid: cm.uid, resourceVersion: pre?.resourceVersion },
          (cur) => {
            const m = meta(cur);
            if (!m.deletionTimestamp) m.deletionTimestamp = timeNow();
            // a graceful deletion cut short to 0 leaves the rest to the finalizers
            m.deletionGracePeriodSeconds = 0;
            m.finalizers = withPropagationFinalizers(m.finalizers ?? [], params.propagationPolicy);
            delete m.resourceVersion;
            return cur;
          },
          { dryRun: params.dryRun },
        );
        return { object: this.returned(updated), deleted: false };
      }
      const deleted = await this.storage.delete(
        key,
        { uid: cm.uid, resourceVersion: pre?.resourceVersion },
        { dryRun: params.dryRun },
      );
      await this.hooks.afterDelete?.(deleted, { dryRun: params.dryRun });
      return { object: this.returned(deleted), deleted: true };
    } catch (e) {
      this.translateError(e, name);
    }
  }

  async deleteCollection(namespace: string, listParams: ListParams, params: DeleteParams = {}): Promise<KubeObject> {
    const list = await this.list(namespace, { ...listParams, limit: undefined, continueToken: undefined });
    const items = (list.items as KubeObject[]) ?? [];
    const deleted: KubeObject[] = [];
    for (const item of items) {
      const m = meta(item);
      try {
        const r = await this.delete(m.namespace ?? '', m.name ?? '', { ...params, preconditions: undefined });
        deleted.push(r.object);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return { ...list, items: deleted };
  }

  private hasStatus(): boolean {
    return this.info.subresources.some((s) => s.name === 'status');
  }

  /** PUT .../status: only status changes; the rest is kept from the stored object. */
  async updateStatus(
    namespace: string,
    name: string,
    input: KubeObject,
    params: WriteParams = {},
  ): Promise<KubeObject> {
    if (!this.hasStatus()) throw newNotFound(this.gr, name);
    const requestedRV = meta(input).resourceVersion;
    const r = await this.updateWith(
      namespace,
      name,
      // updateWith hands mutate a private copy
      (current) => {
        if (input.status === undefined) delete current.status;
        else current.status = input.status;
        if (requestedRV !== undefined) meta(current).resourceVersion = requestedRV;
        return current;
      },
      { ...params, statusOnly: true },
    );
    return r.object;
  }

  async patchStatus(
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    params: WriteParams = {},
  ): Promise<KubeObject> {
    if (!this.hasStatus()) throw newNotFound(this.gr, name);
    const r = await this.updateWith(
      namespace,
      name,
      (current) => {
        const patched = mutate(current);
        if (patched.status === undefined) delete current.status;
        else current.status = patched.status;
        return current;
      },
      { ...params, statusOnly: true },
    );
    return r.object;
  }

  /**
   * PUT or PATCH of a PartialWrite subresource: mutate gives the requested
   * object, of which only the subresource's part is kept.
   */
  async writePart(
    subresource: string,
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    params: WriteParams = {},
  ): Promise<KubeObject> {
    const part = this.partialWrites.get(subresource);
    if (!part) throw newNotFound(this.gr, name);
    const r = await this.updateWith(namespace, name, (current) => part.merge(current, mutate(current)), {
      ...params,
      subresource,
      statusOnly: true,
      validateUpdate: part.validateUpdate,
    });
    return r.object;
  }
}
