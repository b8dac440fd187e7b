import { newBadRequest, newNotFound, StatusError, type GroupResource } from '../api/errors';
import type { KubeObject, ObjectMeta } from '../api/object';
import {
  mapLazyItems,
  type LabelPredicate,
  type LazyItems,
  type LazyListResult,
  type ListOptions,
  type Storage,
  type Watcher,
} from '../storage/interface';
import { isStorageError } from '../storage/errors';
import { decodeContinue, encodeContinue } from './continue-token';
import { decoratedWatcher } from './decorated-watcher';
import type { ResourceInfo } from './resources';
import { statusForStorageError } from './storage-error-status';
import type {
  ListParams,
  PartialWrite,
  StoreHooks,
  StoreOptions,
  SubresourceCreator,
  SubresourceUpdater,
  WatchParams,
} from './store-params';
import type { Strategy } from './strategy';
import { defaultTable } from './tables/default';
import type { TableConverter } from './tables/types';

export function meta(obj: KubeObject): ObjectMeta {
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  return obj.metadata;
}

/**
 * The read half of upstream's generic registry Store: keys, type meta and the
 * kind's decorator, and get/list/watch over the storage interface. GenericStore
 * adds the writes.
 */
/** A list's metadata and its items, each produced when read. */
export interface LazyList {
  metadata: Record<string, string | number>;
  items: LazyItems;
}

export class StoreReads {
  readonly gr: GroupResource;
  /** POST handlers of subresources such as serviceaccounts/token, by subresource name. */
  readonly subresourceCreators = new Map<string, SubresourceCreator>();
  /** PUT handlers of subresources with their own rules (namespaces/finalize), by subresource name. */
  readonly subresourceUpdaters = new Map<string, SubresourceUpdater>();
  /** PUT and PATCH of subresources that own one part of the object, by subresource name. */
  readonly partialWrites = new Map<string, PartialWrite>();
  /** Never stored (reviews): no watch cache, nothing for namespace deletion to remove. */
  readonly virtual: boolean = false;
  /** kubectl get's columns for this kind (set by the store factory from the kind's definition). */
  tableConverter: TableConverter = defaultTable;

  /** Upstream returns a Status for immediate deletes unless the resource says otherwise. */
  readonly returnsDeletedObject: boolean;
  protected readonly storage: Storage;
  protected readonly prefix: string;
  protected readonly keyRoot: string;
  protected readonly hooks: StoreHooks;

  constructor(
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    options: StoreOptions,
  ) {
    this.gr = { group: info.group, resource: info.resource };
    this.storage = options.storage;
    this.prefix = options.prefix;
    this.keyRoot = options.keyRoot ?? info.resource;
    this.returnsDeletedObject = options.returnsDeletedObject ?? false;
    const { afterCreate, afterDelete, decorator, gracePeriod } = options;
    this.hooks = { afterCreate, afterDelete, decorator, gracePeriod };
  }

  get apiVersion(): string {
    return this.info.group ? `${this.info.group}/${this.info.version}` : this.info.version;
  }

  /** `/registry/<resource>/` or `/registry/<resource>/<namespace>/` */
  listPrefix(namespace: string): string {
    const base = `${this.prefix}/${this.keyRoot}/`;
    return this.info.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  key(namespace: string, name: string): string {
    if (this.info.namespaced) {
      if (!namespace) throw newBadRequest('namespace is required for namespaced resources');
      return `${this.prefix}/${this.keyRoot}/${namespace}/${name}`;
    }
    return `${this.prefix}/${this.keyRoot}/${name}`;
  }

  /** Fields a field selector may name for this resource. */
  selectableFields(obj: KubeObject): Record<string, string> {
    const m = meta(obj);
    const fields: Record<string, string> = { 'metadata.name': m.name ?? '' };
    if (this.info.namespaced) fields['metadata.namespace'] = m.namespace ?? '';
    return this.strategy.selectableFields ? { ...fields, ...this.strategy.selectableFields(obj) } : fields;
  }

  /**
   * What a selection's metadata.namespace and metadata.name equalities pin it to: a
   * cluster-wide read of a namespaced resource narrows to that namespace's range,
   * and a name with a known namespace (or a cluster-scoped resource) to one key.
   * The predicate still decides; this only avoids reading what it would reject.
   */
  protected scope(namespace: string, required: Record<string, string> | undefined): { prefix: string; key?: string } {
    const ns = this.info.namespaced && !namespace ? (required?.['metadata.namespace'] ?? '') : namespace;
    const name = required?.['metadata.name'];
    const pinned = name !== undefined && name !== '' && (ns !== '' || !this.info.namespaced);
    return { prefix: this.listPrefix(ns), key: pinned ? this.key(ns, name) : undefined };
  }

  supportedFieldLabels(): Set<string> {
    const probe: KubeObject = { metadata: {} };
    return new Set(Object.keys(this.selectableFields(probe)));
  }

  protected translateError(e: unknown, name: string): never {
    throw statusForStorageError(this.gr, e, name);
  }

  /**
   * Stored objects already carry apiVersion/kind; they are returned as they are
   * (same instance), so encoded bytes cached against them stay valid.
   */
  protected withTypeMeta(obj: KubeObject): KubeObject {
    if (obj.kind === this.info.kind && obj.apiVersion === this.apiVersion) return obj;
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { kind: this.info.kind, apiVersion: this.apiVersion, ...rest };
  }

  /** What a caller gets: type meta filled in, then the kind's decorator. */
  protected returned(obj: KubeObject): KubeObject {
    const typed = this.withTypeMeta(obj);
    return this.hooks.decorator ? this.hooks.decorator(typed) : typed;
  }

  protected decorated(w: Watcher): Watcher {
    return this.hooks.decorator ? decoratedWatcher(w, this.hooks.decorator) : w;
  }

  async get(namespace: string, name: string): Promise<KubeObject> {
    try {
      const obj = await this.storage.get(this.key(namespace, name));
      if (!obj) throw newNotFound(this.gr, name);
      return this.returned(obj);
    } catch (e) {
      this.translateError(e, name);
    }
  }

  protected predicate(params: ListParams): ((obj: KubeObject) => boolean) | undefined {
    const { labelMatch, fieldMatch } = params;
    if (!labelMatch && !fieldMatch) return undefined;
    return (obj: KubeObject) =>
      (!labelMatch || labelMatch(meta(obj).labels)) && (!fieldMatch || fieldMatch(this.selectableFields(obj)));
  }

  /** The predicate when it is a label selector alone (see ListOptions.labelPredicate). */
  private labelPredicate(params: ListParams): LabelPredicate | undefined {
    const { labelMatch, fieldMatch } = params;
    if (!labelMatch || fieldMatch || this.predicate !== StoreReads.prototype.predicate) return undefined;
    return (labels) => labelMatch(labels as Record<string, string> | undefined);
  }

  async list(namespace: string, params: ListParams): Promise<KubeObject> {
    const r = await this.listView(namespace, params, false);
    const items: KubeObject[] = [];
    for (let k = 0; k < r.items.length; k++) items.push(r.items.at(k) as KubeObject);
    return { apiVersion: this.apiVersion, kind: this.info.listKind, metadata: r.metadata, items };
  }

  /**
   * The list with its items produced as they are read (from the watch cache
   * without decoding them all first), for responses written item by item.
   */
  async listLazy(namespace: string, params: ListParams): Promise<LazyList> {
    // a kind that lists its own way (component statuses, reviews) is listed as it says
    if (this.list !== StoreReads.prototype.list) {
      const list = await this.list(namespace, params);
      return {
        metadata: (list.metadata ?? {}) as Record<string, string | number>,
        items: (list.items as KubeObject[] | undefined) ?? [],
      };
    }
    return this.listView(namespace, params, true);
  }

  private async listView(namespace: string, params: ListParams, lazy: boolean): Promise<LazyList> {
    const { prefix, key: onlyKey } = this.scope(namespace, params.requiredFields);
    let continueKey: string | undefined;
    let continueRevision: number | undefined;
    if (params.continueToken) {
      if (params.resourceVersion && params.resourceVersion !== '') {
        throw newBadRequest('specifying resource version is not allowed when using continue');
      }
      const decoded = decodeContinue(params.continueToken, prefix);
      continueKey = decoded.startKey;
      continueRevision = decoded.revision;
    }
    try {
      const opts: ListOptions = {
        resourceVersion: params.resourceVersion,
        resourceVersionMatch: params.resourceVersionMatch,
        limit: params.limit && params.limit > 0 ? params.limit : undefined,
        continueKey,
        continueRevision,
        predicate: this.predicate(params),
        labelPredicate: this.labelPredicate(params),
        indexHint:
          params.requiredLabels || params.requiredFields || onlyKey
            ? { labels: params.requiredLabels, fields: params.requiredFields, keys: onlyKey ? [onlyKey] : undefined }
            : undefined,
        recursive: true,
      };
      const result: LazyListResult =
        lazy && this.storage.listLazy
          ? await this.storage.listLazy(prefix, opts)
          : await this.storage.list(prefix, opts);
      const listMeta: Record<string, string | number> = { resourceVersion: String(result.revision) };
      if (result.continueKey !== undefined) {
        listMeta.continue = encodeContinue(result.continueKey.slice(prefix.length), result.revision);
        if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
      }
      // without a decorator, returned() only fills in TypeMeta, which a protobuf message does not carry
      const onlyTypeMeta = !this.hooks.decorator && this.returned === StoreReads.prototype.returned;
      const items = mapLazyItems(result.items, (o) => this.returned(o), onlyTypeMeta);
      return { metadata: listMeta, items };
    } catch (e) {
      if (isStorageError(e, 'Expired') && params.continueToken) {
        throw new StatusError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      this.translateError(e, '');
    }
  }

  async watch(namespace: string, name: string, params: WatchParams): Promise<Watcher> {
    const fieldMatch = params.fieldMatch;
    const single = name !== '';
    const p = this.predicate({
      ...params,
      fieldMatch: single ? (f) => f['metadata.name'] === name && (!fieldMatch || fieldMatch(f)) : fieldMatch,
    });
    const required = single ? { ...params.requiredFields, 'metadata.name': name } : params.requiredFields;
    const { prefix, key } = this.scope(namespace, required);
    try {
      // one object's watch follows its key alone, so the cache's fan-out skips it for every other key
      const w = await this.storage.watch(key ?? prefix, {
        resourceVersion: params.resourceVersion,
        recursive: key === undefined,
        predicate: p,
        indexHint: required ? { fields: required } : undefined,
        sendInitialEvents: params.sendInitialEvents,
        progressNotify: params.progressNotify,
      });
      return this.decorated(w);
    } catch (e) {
      this.translateError(e, name);
    }
  }

  async count(namespace: string): Promise<number> {
    return this.storage.count(this.listPrefix(namespace));
  }
}
