import { StatusError, newGone, newInternalError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { Backend, BackendEvent, KV } from './backend';
import type { StorageCodec } from './codec';
import { StorageError, isStorageError } from './errors';
import type {
  LazyListResult,
  ListOptions,
  ListResult,
  Preconditions,
  Storage,
  StorageWatchEvent,
  UpdateFunc,
  Watcher,
  WatchOptions,
} from './interface';
import { EventQueue } from './watch-queue';

export interface StoreOptions {
  /** Upper bound of a page fetched from the backend while filling a filtered list. */
  maxPageSize?: number;
  /** Largest value the backend accepts (etcd's default --max-request-bytes); larger writes fail before reaching it. */
  maxValueBytes?: number;
}

/** etcd's default request size limit. */
export const DEFAULT_MAX_VALUE_BYTES = 1572864;

/** Annotation upstream puts on the BOOKMARK that closes the initial events of a watch. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

const EXPIRED_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

function withResourceVersion(obj: KubeObject, revision: number): KubeObject {
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/** resourceVersion is derived from the store revision, never kept in the value. */
function withoutResourceVersion(obj: KubeObject): KubeObject {
  if (!obj.metadata || obj.metadata.resourceVersion === undefined) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.resourceVersion;
  return { ...obj, metadata };
}

function parseResourceVersion(key: string, rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) {
    throw new StorageError('InvalidError', key, `resourceVersion: Invalid value: "${rv}": invalid resource version`);
  }
  return Number(rv);
}

/**
 * Precondition failures are 'InvalidObj', with upstream's wording; the registry
 * reports them as 409 Conflict as kube-apiserver does.
 */
function checkPreconditions(key: string, pre: Preconditions | undefined, obj: KubeObject): void {
  if (!pre) return;
  const meta = obj.metadata ?? {};
  if (pre.uid !== undefined && pre.uid !== meta.uid) {
    throw new StorageError(
      'InvalidObj',
      key,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
    throw new StorageError(
      'InvalidObj',
      key,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
    );
  }
}

function notFound(key: string): StorageError {
  return new StorageError('KeyNotFound', key, `key "${key}" not found`);
}

function errorEvent(err: unknown, revision: number): StorageWatchEvent {
  let status: StatusError;
  if (isStorageError(err, 'Expired')) status = newGone(err.message);
  else if (err instanceof StatusError) status = err;
  else status = newInternalError(err instanceof Error ? err.message : String(err));
  return { type: 'ERROR', object: status.toStatus() as KubeObject, revision };
}

// The message names the limit, not the encoded size, so that a create refused early on a lower
// bound of its size (sizeLimitError, before managedFields exist) reads exactly as one refused here.
function storageLimitError(maxValueBytes: number): StorageError {
  return new StorageError(
    'TooLarge',
    '',
    `the encoded object is larger than the storage limit of ${maxValueBytes} bytes`,
  );
}

/** Storage's sizeLimitError over a codec: the error a write of the object would fail with, if any. */
export function sizeLimitCheck(
  codec: StorageCodec,
  maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
): (obj: KubeObject) => StorageError | undefined {
  return (obj) => {
    const stored = withoutResourceVersion(obj);
    const over = codec.sizeExceeds?.(stored, maxValueBytes) || codec.encode(stored).length > maxValueBytes;
    return over ? storageLimitError(maxValueBytes) : undefined;
  };
}

/**
 * The object-level Storage of DESIGN.md over any Backend: resourceVersion is the
 * mod revision, writes are compare-and-swap on it, and conflicts are retried
 * with fresh state. Keys are full storage keys.
 */
export function createStore(backend: Backend, codec: StorageCodec, opts: StoreOptions = {}): Storage {
  const maxPageSize = opts.maxPageSize ?? 10_000;

  const decodeKV = (kv: KV): KubeObject => {
    let obj: KubeObject;
    try {
      obj = codec.decode(kv.value);
    } catch (e) {
      if (e instanceof StorageError) throw new StorageError(e.code, kv.key, `${kv.key}: ${e.message}`);
      throw new StorageError('Internal', kv.key, `cannot decode ${kv.key}: ${(e as Error).message}`);
    }
    return withResourceVersion(obj, kv.modRevision);
  };

  const maxValueBytes = opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const tooLarge = (): StorageError => storageLimitError(maxValueBytes);
  const encode = (obj: KubeObject): Buffer => {
    const bytes = codec.encode(withoutResourceVersion(obj));
    if (bytes.length > maxValueBytes) throw tooLarge();
    return bytes;
  };

  const collectionKey = (key: string, recursive: boolean | undefined): string =>
    recursive !== false && !key.endsWith('/') ? `${key}/` : key;

  async function list(keyPrefix: string, o: ListOptions = {}): Promise<ListResult> {
    const { keys: _keys, ...res } = await listKeyed(keyPrefix, o);
    return res;
  }

  /** list, also giving each item's storage key (keys[i] is the key of items[i]). */
  async function listKeyed(keyPrefix: string, o: ListOptions = {}): Promise<ListResult & { keys: string[] }> {
    const pred = o.predicate;
    return listSelected(keyPrefix, o, (kv) => {
      const obj = decodeKV(kv);
      return !pred || pred(obj) ? obj : undefined;
    });
  }

  /**
   * list with each item decoded only when it is read, so a large list holds its
   * values rather than every object decoded (e.g. while a watch cache is still
   * filling and lists come here). A selection decodes to match, and keeps what matched.
   */
  async function listLazy(keyPrefix: string, o: ListOptions = {}): Promise<LazyListResult> {
    if (o.predicate) return list(keyPrefix, o);
    const { keys: _keys, items: kvs, ...res } = await listSelected(keyPrefix, o, (kv) => kv);
    return {
      ...res,
      items: {
        length: kvs.length,
        at: (i) => {
          const kv = kvs[i];
          return kv === undefined ? undefined : decodeKV(kv);
        },
      },
    };
  }

  /**
   * The list machinery over raw values: `select` turns each value read into an
   * item, or undefined to leave it out (a predicate that filters must decode).
   */
  async function listSelected<T>(
    keyPrefix: string,
    o: ListOptions,
    select: (kv: KV) => T | undefined,
  ): Promise<Omit<ListResult, 'items'> & { items: T[]; keys: string[] }> {
    const recursive = o.recursive !== false;
    const prefix = collectionKey(keyPrefix, o.recursive);
    const rv = parseResourceVersion(prefix, o.resourceVersion);
    const limit = o.limit && o.limit > 0 ? Math.floor(o.limit) : 0;
    const pred = o.predicate;

    let readRevision = 0;
    let minRevision = 0;
    let startKey: string | undefined;
    const continuing = o.continueKey !== undefined && o.continueKey !== '';
    if (continuing) {
      const last = o.continueKey as string;
      // Accept the full key (what ListResult.continueKey gives) or upstream's prefix-relative form.
      const full = last.startsWith(prefix) ? last : prefix + last.replace(/^\/+/, '');
      startKey = `${full}\u0000`;
      readRevision = o.continueRevision ?? 0;
    } else if (rv !== undefined && rv > 0) {
      // With a limit and no explicit match, upstream serves the exact revision (legacy paging semantics).
      if (o.resourceVersionMatch === 'Exact' || (o.resourceVersionMatch === undefined && limit > 0)) {
        readRevision = rv;
      } else {
        minRevision = rv;
      }
    }

    const items: T[] = [];
    const keys: string[] = [];
    let served = readRevision;
    let continueKey: string | undefined;
    let remainingItemCount: number | undefined;
    let pageSize = recursive ? limit : 0;
    try {
      for (;;) {
        const res = await backend.range(prefix, {
          revision: served || undefined,
          limit: pageSize || undefined,
          startKey,
        });
        if (!served) served = res.revision;
        let consumed = 0;
        let lastKey: string | undefined;
        for (const kv of res.kvs) {
          consumed++;
          if (!recursive && kv.key !== keyPrefix) continue;
          lastKey = kv.key;
          const item = select(kv);
          if (item !== undefined) {
            items.push(item);
            keys.push(kv.key);
          }
          if (limit > 0 && items.length >= limit) break;
        }
        const moreAfter = consumed < res.kvs.length || res.more;
        if (limit > 0 && items.length >= limit) {
          if (moreAfter && recursive) {
            continueKey = lastKey;
            if (!pred) remainingItemCount = res.count - consumed;
          }
          break;
        }
        if (!res.more || res.kvs.length === 0) break;
        startKey = `${res.kvs[res.kvs.length - 1].key}\u0000`;
        // Filtered lists grow the page so a selective predicate does not cost one round trip per item.
        if (pred) pageSize = Math.min(pageSize * 2, maxPageSize);
      }
    } catch (e) {
      if (continuing && isStorageError(e, 'Expired'))
        throw new StorageError('Expired', prefix, EXPIRED_CONTINUE_MESSAGE);
      throw e;
    }
    if (minRevision > served) {
      throw new StorageError('TooLargeResourceVersion', prefix, 'Too large resource version', minRevision);
    }
    return { items, keys, revision: served, continueKey, remainingItemCount };
  }

  function transform(ev: BackendEvent, pred: ((o: KubeObject) => boolean) | undefined): StorageWatchEvent | undefined {
    if (ev.type === 'delete') {
      if (!ev.prevKv) return undefined;
      // The deleted object carries the deletion revision so clients can resume after it.
      const last = withResourceVersion(codec.decode(ev.prevKv.value), ev.revision);
      if (pred && !pred(last)) return undefined;
      return { type: 'DELETED', object: last, prevObject: decodeKV(ev.prevKv), revision: ev.revision, key: ev.kv.key };
    }
    const cur = decodeKV(ev.kv);
    const created = !ev.prevKv || ev.kv.createRevision === ev.kv.modRevision;
    const prev = !created && ev.prevKv ? decodeKV(ev.prevKv) : undefined;
    const key = ev.kv.key;
    if (!pred)
      return { type: created ? 'ADDED' : 'MODIFIED', object: cur, prevObject: prev, revision: ev.revision, key };
    const curPasses = pred(cur);
    const prevPasses = prev ? pred(prev) : false;
    if (curPasses && prevPasses) return { type: 'MODIFIED', object: cur, prevObject: prev, revision: ev.revision, key };
    if (curPasses) return { type: 'ADDED', object: cur, revision: ev.revision, key };
    if (prevPasses && ev.prevKv) {
      // Leaving the selection looks like a deletion to this watcher.
      const left = withResourceVersion(codec.decode(ev.prevKv.value), ev.revision);
      return { type: 'DELETED', object: left, prevObject: prev, revision: ev.revision, key };
    }
    return undefined;
  }

  async function watch(key: string, o: WatchOptions = {}): Promise<Watcher> {
    const recursive = o.recursive !== false;
    const watchKey = collectionKey(key, o.recursive);
    const rv = parseResourceVersion(watchKey, o.resourceVersion);
    const sendInitial = o.sendInitialEvents ?? (rv === undefined || rv === 0);
    const pred = o.predicate;

    const backendWatch: { cancel?: () => Promise<void> } = {};
    let stopped = false;
    const queue = new EventQueue(() => {
      stopped = true;
      void backendWatch.cancel?.();
    });

    let after: number;
    if (sendInitial) {
      const initialOpts: ListOptions = {
        recursive,
        predicate: pred,
        resourceVersion: rv && rv > 0 ? String(rv) : undefined,
        resourceVersionMatch: rv && rv > 0 ? 'NotOlderThan' : undefined,
      };
      if (pred) {
        const initial = await listKeyed(watchKey, initialOpts);
        initial.items.forEach((obj, i) => {
          const revision = Number(obj.metadata?.resourceVersion ?? initial.revision);
          queue.push({ type: 'ADDED', object: obj, revision, key: initial.keys[i] });
        });
        after = initial.revision;
      } else {
        // Without a predicate nothing needs decoding up front: the values are decoded as the
        // consumer reads them, so a large initial state is never every object decoded at once.
        const initial = await listSelected(watchKey, initialOpts, (kv) => kv);
        const kvs = initial.items;
        const revision = initial.revision;
        queue.startWith({
          length: kvs.length,
          at: (i) => {
            const kv = kvs[i];
            try {
              return { type: 'ADDED', object: decodeKV(kv), revision: kv.modRevision, key: kv.key };
            } catch (e) {
              // as a value that fails to decode mid-watch does: the error, and nothing after it
              queue.stop();
              return errorEvent(e, revision);
            }
          },
        });
        after = revision;
      }
      if (o.sendInitialEvents === true) {
        queue.push({
          type: 'BOOKMARK',
          object: {
            metadata: { resourceVersion: String(after), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } },
          },
          revision: after,
        });
      }
    } else if (rv === undefined || rv === 0) {
      after = await backend.currentRevision();
    } else {
      after = rv;
    }

    let lastRevision = after;
    const handle = await backend.watch(
      watchKey,
      { afterRevision: after, recursive },
      {
        onEvents(events) {
          for (const ev of events) {
            if (queue.isClosed) return;
            try {
              const out = transform(ev, pred);
              lastRevision = ev.revision;
              if (out) queue.push(out);
            } catch (e) {
              queue.push(errorEvent(e, ev.revision));
              queue.end();
              return;
            }
          }
        },
        onError(err) {
          queue.push(errorEvent(err, lastRevision));
          queue.end();
        },
        onProgress(revision) {
          if (!o.progressNotify || revision <= lastRevision) return;
          lastRevision = revision;
          queue.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(revision) } }, revision });
        },
      },
    );
    backendWatch.cancel = () => handle.cancel();
    if (stopped) await handle.cancel();
    return queue;
  }

  return {
    listLazy,
    async get(key, o = {}) {
      const minRevision = parseResourceVersion(key, o.resourceVersion);
      const res = await backend.get(key);
      if (minRevision !== undefined && minRevision > res.revision) {
        throw new StorageError('TooLargeResourceVersion', key, 'Too large resource version', minRevision);
      }
      if (!res.kv) {
        if (o.ignoreNotFound) return null;
        throw notFound(key);
      }
      return decodeKV(res.kv);
    },

    list,
    watch,

    sizeLimitError: sizeLimitCheck(codec, maxValueBytes),

    async create(key, obj, o = {}) {
      if (obj.metadata?.resourceVersion) {
        throw new StorageError('InvalidObj', key, 'resourceVersion should not be set on objects to be created');
      }
      const bytes = encode(obj);
      if (o.dryRun) {
        const existing = await backend.get(key);
        if (existing.kv) throw new StorageError('KeyExists', key, `key "${key}" already exists`);
        return codec.decode(bytes);
      }
      const res = await backend.create(key, bytes, { ttlSeconds: o.ttlSeconds });
      if (!res.ok) throw new StorageError('KeyExists', key, `key "${key}" already exists`);
      return withResourceVersion(codec.decode(bytes), res.revision);
    },

    async guaranteedUpdate(key, preconditions, tryUpdate: UpdateFunc, o = {}) {
      let { kv } = await backend.get(key);
      for (;;) {
        if (!kv && !o.ignoreNotFound) throw notFound(key);
        const current: KubeObject = kv ? decodeKV(kv) : {};
        if (kv) checkPreconditions(key, preconditions, current);
        const updated = await tryUpdate(current);
        const bytes = encode(updated);
        if (kv && !kv.stale && bytes.equals(kv.value)) return decodeKV(kv);
        if (o.dryRun) {
          const out = codec.decode(bytes);
          return kv ? withResourceVersion(out, kv.modRevision) : out;
        }
        const res = kv ? await backend.update(key, bytes, kv.modRevision) : await backend.create(key, bytes);
        if (res.ok) return withResourceVersion(codec.decode(bytes), res.revision);
        kv = res.current;
      }
    },

    async delete(key, preconditions, o = {}) {
      let { kv } = await backend.get(key);
      for (;;) {
        if (!kv) throw notFound(key);
        const current = decodeKV(kv);
        checkPreconditions(key, preconditions, current);
        if (o.validateDeletion) await o.validateDeletion(decodeKV(kv));
        if (o.dryRun) return current;
        const res = await backend.delete(key, kv.modRevision);
        if (res.ok) return decodeKV(res.prevKv);
        kv = res.current;
      }
    },

    async count(keyPrefix) {
      return backend.count(collectionKey(keyPrefix, true));
    },

    currentRevision: () => backend.currentRevision(),
    healthCheck: () => backend.healthCheck(),
    close: () => backend.close(),
  };
}
