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

/**
 * The watchers of one resource. A watcher whose selection requires a value of an
 * indexed field is filed under that value's term (upstream's trigger function and
 * valueWatchers) and is offered only the events whose object, or previous
 * object, has that value; every other watcher is offered every event.
 */
export class CacheWatchers {
  private readonly unfiled = new Set<CacheWatcher>();
  private readonly byTerm = new Map<string, Set<CacheWatcher>>();
  private readonly termOf = new Map<CacheWatcher, string>();

  get size(): number {
    return this.unfiled.size + this.termOf.size;
  }

  /** Watchers filed under an indexed field value. */
  get filed(): number {
    return this.termOf.size;
  }

  add(w: CacheWatcher, term: string | undefined): void {
    if (term === undefined) {
      this.unfiled.add(w);
      return;
    }
    let set = this.byTerm.get(term);
    if (!set) this.byTerm.set(term, (set = new Set()));
    set.add(w);
    this.termOf.set(w, term);
  }

  delete(w: CacheWatcher): void {
    if (this.unfiled.delete(w)) return;
    const term = this.termOf.get(w);
    if (term === undefined) return;
    this.termOf.delete(w);
    const set = this.byTerm.get(term);
    set?.delete(w);
    if (set && set.size === 0) this.byTerm.delete(term);
  }

  /** Every watcher (a copy: ending one while iterating removes it). */
  all(): CacheWatcher[] {
    return [...this.unfiled, ...this.termOf.keys()];
  }

  /** Offers an event to the watchers it may concern; fieldTerms: of its object and previous object. */
  dispatch(e: RingEntry, fieldTerms: readonly string[]): void {
    for (const w of this.unfiled) deliverEvent(w, e);
    if (this.byTerm.size === 0) return;
    const seen: string[] = [];
    for (const t of fieldTerms) {
      // the object and its previous version often share the value: each bucket once
      if (seen.includes(t)) continue;
      seen.push(t);
      const set = this.byTerm.get(t);
      if (set) for (const w of set) deliverEvent(w, e);
    }
  }
}
