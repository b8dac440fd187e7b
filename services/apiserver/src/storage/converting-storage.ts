// A Storage that serves one API version of a kind stored at another, as upstream's
// per-version REST storage does with its codec: objects are converted to the storage
// version on the way in and to the served version on the way out (watch events too),
// so every served version reads and writes the same keys.
import type { KubeObject } from '../api/object';
import {
  mapLazyItems,
  type ListOptions,
  type Storage,
  type StorageWatchEvent,
  type Watcher,
  type WatchOptions,
} from './interface';

/** The pair of conversions between a served version and the storage version. */
export interface VersionConversion {
  toStored(served: KubeObject): KubeObject;
  toServed(stored: KubeObject): KubeObject;
}

// BOOKMARK and ERROR events carry no object of the kind, so they pass through as they are.
function isKindEvent(e: StorageWatchEvent): boolean {
  return e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED';
}

function convertingWatcher(inner: Watcher, conv: VersionConversion): Watcher {
  const convert = (e: StorageWatchEvent): StorageWatchEvent =>
    isKindEvent(e)
      ? {
          ...e,
          object: conv.toServed(e.object),
          ...(e.prevObject ? { prevObject: conv.toServed(e.prevObject) } : {}),
        }
      : e;
  return {
    [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent> {
      const it = inner[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<StorageWatchEvent>> {
          const r = await it.next();
          return r.done ? r : { done: false, value: convert(r.value) };
        },
        async return(): Promise<IteratorResult<StorageWatchEvent>> {
          return it.return ? it.return() : { done: true, value: undefined };
        },
      };
    },
    stop: () => inner.stop(),
    closedByStorage: inner.closedByStorage,
  };
}

/** Predicates are written against the served version, so they see converted objects. */
function servedPredicate<T extends ListOptions | WatchOptions>(
  opts: T | undefined,
  conv: VersionConversion,
): T | undefined {
  const p = opts?.predicate;
  if (!opts || !p) return opts;
  return { ...opts, predicate: (stored: KubeObject) => p(conv.toServed(stored)) };
}

export function convertingStorage(inner: Storage, conv: VersionConversion): Storage {
  const out = (o: KubeObject): KubeObject => conv.toServed(o);
  return {
    async get(key, opts) {
      const o = await inner.get(key, opts);
      return o ? out(o) : o;
    },
    async list(prefix, opts) {
      const r = await inner.list(prefix, servedPredicate(opts, conv));
      return { ...r, items: r.items.map(out) };
    },
    async listLazy(prefix, opts) {
      const o = servedPredicate(opts, conv);
      const r = inner.listLazy ? await inner.listLazy(prefix, o) : await inner.list(prefix, o);
      return { ...r, items: mapLazyItems(r.items, out) };
    },
    async watch(key, opts) {
      return convertingWatcher(await inner.watch(key, servedPredicate(opts, conv)), conv);
    },
    async create(key, obj, opts) {
      return out(await inner.create(key, conv.toStored(obj), opts));
    },
    async guaranteedUpdate(key, preconditions, tryUpdate, opts) {
      const updated = await inner.guaranteedUpdate(
        key,
        preconditions,
        async (current) => conv.toStored(await tryUpdate(out(current))),
        opts,
      );
      return out(updated);
    },
    async delete(key, preconditions, opts) {
      const validate = opts?.validateDeletion;
      const o = validate ? { ...opts, validateDeletion: (stored: KubeObject) => validate(out(stored)) } : opts;
      return out(await inner.delete(key, preconditions, o));
    },
    count: (prefix) => inner.count(prefix),
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    close: () => inner.close(),
  };
}
