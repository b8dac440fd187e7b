import type { KubeObject } from '../api/object';
import type { Watcher } from '../storage/interface';

/** A watch whose objects pass through a kind's decorator on their way out. */
export function decoratedWatcher(w: Watcher, decorate: (obj: KubeObject) => KubeObject): Watcher {
  return {
    [Symbol.asyncIterator]: () => {
      const it = w[Symbol.asyncIterator]();
      return {
        next: async () => {
          const r = await it.next();
          // BOOKMARK and ERROR carry no object of this kind
          if (r.done || r.value.type === 'BOOKMARK' || r.value.type === 'ERROR') return r;
          return { done: false, value: { ...r.value, object: decorate(r.value.object) } };
        },
        return: async () => (it.return ? it.return() : { done: true, value: undefined }),
      };
    },
    stop: () => w.stop(),
    closedByStorage: w.closedByStorage,
    initialized: w.initialized,
  };
}
