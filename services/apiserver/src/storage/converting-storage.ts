// A Storage that serves one API version of a kind stored at another, as upstream's
// per-version REST storage does with its codec: objects are converted to the storage
// version on the way in and to the served version on the way out (watch events too),
// so every served version reads and writes the same keys.
import { StatusError } from '../api/errors';
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
  /**
   * When conversion calls out (a conversion webhook), objects go through these in
   * batches (a list in one call); the synchronous pair then only serves predicates.
   */
  toStoredMany?(served: KubeObject[]): Promise<KubeObject[]>;
  toServedMany?(stored: KubeObject[]): Promise<KubeObject[]>;
}

function servedMany(conv: VersionConversion, objs: KubeObject[]): Promise<KubeObject[]> {
  return conv.toServedMany ? conv.toServedMany(objs) : Promise.resolve(objs.map((o) => conv.toServed(o)));
}

async function servedOne(conv: VersionConversion, o: KubeObject): Promise<KubeObject> {
  return conv.toServedMany ? (await conv.toServedMany([o]))[0] : conv.toServed(o);
}

async function storedOne(conv: VersionConversion, o: KubeObject): Promise<KubeObject> {
  return conv.toStoredMany ? (await conv.toStoredMany([o]))[0] : conv.toStored(o);
}

// BOOKMARK and ERROR events carry no object of the kind, so they pass through as they are.
function isKindEvent(e: StorageWatchEvent): boolean {
  return e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED';
}

function convertingWatcher(inner: Watcher, conv: VersionConversion): Watcher {
  const convert = async (e: StorageWatchEvent): Promise<StorageWatchEvent> => {
    if (!isKindEvent(e)) return e;
    const [object, prevObject] = await servedMany(conv, e.prevObject ? [e.object, e.prevObject] : [e.object]);
    return { ...e, object, ...(prevObject ? { prevObject } : {}) };
  };
  return {
    [Symbol.asyncIterator](): AsyncIterator<StorageWatchEvent> {
      const it = inner[Symbol.asyncIterator]();
      let failed = false;
      return {
        async next(): Promise<IteratorResult<StorageWatchEvent>> {
          if (failed) return { done: true, value: undefined };
          const r = await it.next();
          if (r.done) return r;
          try {
            return { done: false, value: await convert(r.value) };
          } catch (e) {
            // an event that cannot be converted ends the watch with its error, as a failed decode does
            if (!(e instanceof StatusError)) throw e;
            failed = true;
            inner.stop();
            const object = e.toStatus() as KubeObject;
            return { done: false, value: { type: 'ERROR', object, revision: r.value.revision } };
          }
        },
        async return(): Promise<IteratorResult<StorageWatchEvent>> {
          return it.return ? it.return() : { done: true, value: undefined };
        },
      };
    },
    stop: () => inner.stop(),
    closedByStorage: inner.closedByStorage,
    initialized: inner.initialized,
  };
}

/**
 * Predicates are written against the served version, so they see converted objects
 * (the synchronous conversion: with a webhook, the stored object retagged).
 */
function servedPredicate<T extends ListOptions | WatchOptions>(
  opts: T | undefined,
  conv: VersionConversion,
): T | undefined {
  const p = opts?.predicate;
  if (!opts || !p) return opts;
  // a conversion may change labels too (a webhook's may): only the converted object is tested
  return { ...opts, predicate: (stored: KubeObject) => p(conv.toServed(stored)), labelPredicate: undefined };
}

export function convertingStorage(inner: Storage, conv: VersionConversion): Storage {
  const out = (o: KubeObject): Promise<KubeObject> => servedOne(conv, o);
  return {
    async get(key, opts) {
      const o = await inner.get(key, opts);
      return o ? out(o) : o;
    },
    async list(prefix, opts) {
      const r = await inner.list(prefix, servedPredicate(opts, conv));
      return { ...r, items: await servedMany(conv, r.items) };
    },
    async listLazy(prefix, opts) {
      const o = servedPredicate(opts, conv);
      if (conv.toServedMany) {
        // a conversion that calls out converts the whole list in one batch, so it is not lazy
        const r = await inner.list(prefix, o);
        const items = await servedMany(conv, r.items);
        return { ...r, items: { length: items.length, at: (i: number) => items[i] } };
      }
      const r = inner.listLazy ? await inner.listLazy(prefix, o) : await inner.list(prefix, o);
      return { ...r, items: mapLazyItems(r.items, (x) => conv.toServed(x)) };
    },
    async watch(key, opts) {
      return convertingWatcher(await inner.watch(key, servedPredicate(opts, conv)), conv);
    },
    async create(key, obj, opts) {
      return out(await inner.create(key, await storedOne(conv, obj), opts));
    },
    async guaranteedUpdate(key, preconditions, tryUpdate, opts) {
      const updated = await inner.guaranteedUpdate(
        key,
        preconditions,
        async (current) => storedOne(conv, await tryUpdate(await out(current))),
        opts,
      );
      return out(updated);
    },
    async delete(key, preconditions, opts) {
      const validate = opts?.validateDeletion;
      const o = validate
        ? { ...opts, validateDeletion: async (stored: KubeObject) => validate(await out(stored)) }
        : opts;
      return out(await inner.delete(key, preconditions, o));
    },
    count: (prefix) => inner.count(prefix),
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    close: () => inner.close(),
  };
}
