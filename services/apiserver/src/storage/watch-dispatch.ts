import type { CacheWatcher } from './cacher-watcher';
import { deepFreeze } from './deep-freeze';
import type { RingEntry } from './event-ring';

/**
 * Sends a ring entry to one watcher, as that watcher's selection sees it: a
 * change that moves an object into the selection reads as ADDED, out of it as
 * DELETED (with the last matching state at this revision).
 */
export function deliverEvent(w: CacheWatcher, e: RingEntry): void {
  if (e.revision <= w.lastRevision || !w.matchesKey(e.key)) return;
  w.lastRevision = e.revision;
  const pred = w.selection.predicate;
  if (!pred) {
    w.push({ type: e.type, object: e.object, prevObject: e.prevObject, revision: e.revision, key: e.key }, e.bytes);
    return;
  }
  if (e.type === 'DELETED') {
    if (pred(e.object))
      w.push({ type: 'DELETED', object: e.object, prevObject: e.prevObject, revision: e.revision }, e.bytes);
    return;
  }
  const cur = pred(e.object);
  const prev = e.prevObject ? pred(e.prevObject) : false;
  if (cur && prev) {
    w.push({ type: 'MODIFIED', object: e.object, prevObject: e.prevObject, revision: e.revision }, e.bytes);
  } else if (cur) {
    w.push({ type: 'ADDED', object: e.object, revision: e.revision }, e.bytes);
  } else if (prev && e.prevObject) {
    e.left ??= deepFreeze({
      ...e.prevObject,
      metadata: { ...(e.prevObject.metadata ?? {}), resourceVersion: String(e.revision) },
    });
    w.push({ type: 'DELETED', object: e.left, prevObject: e.prevObject, revision: e.revision }, e.bytes);
  }
}
