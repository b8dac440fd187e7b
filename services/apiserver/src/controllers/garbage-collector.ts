import type { KubeObject } from '../api/object';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GenericStore } from '../registry/generic-store';
import type { StoreTable } from '../registry/store-table';
import { runInformer, WorkQueue } from './informer';
import { isStatus, sleep, type LeaderController } from './util';
import { prefixedLog } from '../logging/line-log';

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
}

interface GraphNode {
  uid: string;
  store: GenericStore;
  namespace: string;
  name: string;
  owners: readonly OwnerRef[];
  deleting: boolean;
  finalizers: readonly string[];
}

// The graph holds a node for every object; most have neither owners nor finalizers.
const NONE: readonly never[] = Object.freeze([]);

function ownerRefs(obj: KubeObject): readonly OwnerRef[] {
  if (!obj.metadata?.ownerReferences?.length) return NONE;
  const out: OwnerRef[] = [];
  for (const r of obj.metadata?.ownerReferences ?? []) {
    if (typeof r.uid !== 'string' || typeof r.kind !== 'string' || typeof r.name !== 'string') continue;
    out.push({
      apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
      kind: r.kind,
      name: r.name,
      uid: r.uid,
      blockOwnerDeletion: r.blockOwnerDeletion === true,
    });
  }
  return out;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export interface GarbageCollectorOptions {
  workers?: number;
  /** How often served resources are checked for new kinds (CRDs) to watch. */
  resourceCheckMs?: number;
  log?: (line: string) => void;
}

/**
 * The garbage collector: a graph of ownerReferences kept from list+watch of every
 * served resource, and a work queue of objects to check.
 * - an object whose owners are all gone (or being deleted in the foreground) is
 *   deleted; references to owners that are gone are dropped while a live owner remains;
 * - an owner being deleted with the `orphan` finalizer loses its references from
 *   its dependents, then the finalizer;
 * - an owner with `foregroundDeletion` has its dependents deleted (in the
 *   foreground, when they block it and have dependents of their own), and loses
 *   the finalizer once no dependent with blockOwnerDeletion remains.
 * Owner absence is always confirmed with a live read before anything is deleted.
 */
export class GarbageCollector implements LeaderController {
  readonly name = 'garbage-collector';
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byStore = new Map<GenericStore, Set<string>>();
  private tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly table: StoreTable,
    private readonly opts: GarbageCollectorOptions = {},
  ) {
    this.log = opts.log ?? (() => undefined);
  }

  start(signal: AbortSignal): void {
    this.nodes.clear();
    this.dependents.clear();
    this.byStore.clear();
    const queue = new WorkQueue((uid) => this.processItem(uid, signal), signal, prefixedLog(this.log, 'gc: '));
    this.queue = queue;
    const watched = new Set<GenericStore>();
    const pendingSync = new Set<GenericStore>();
    const watch = (store: GenericStore, initial: boolean): void => {
      watched.add(store);
      if (initial) pendingSync.add(store);
      this.tasks.push(
        runInformer(
          store,
          signal,
          {
            onList: (items) => {
              this.replaceStore(store, items);
              if (pendingSync.delete(store) && pendingSync.size === 0) queue.run(this.opts.workers ?? 4);
            },
            onEvent: (type, obj) => (type === 'DELETED' ? this.remove(obj) : this.upsert(store, obj)),
          },
          prefixedLog(this.log, 'gc: '),
        ),
      );
    };
    const stores = this.table.all().filter((s) => !s.virtual);
    for (const s of stores) watch(s, true);
    if (stores.length === 0) queue.run(this.opts.workers ?? 4);
    this.tasks.push(
      (async () => {
        while (!signal.aborted) {
          await sleep(this.opts.resourceCheckMs ?? 5000, signal);
          for (const s of this.table.all()) if (!s.virtual && !watched.has(s)) watch(s, false);
        }
      })(),
    );
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
    this.tasks = [];
  }

  /** Graph size, for tests and debugging. */
  get size(): number {
    return this.nodes.size;
  }

  private replaceStore(store: GenericStore, items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const uid = item.metadata?.uid;
      if (uid) seen.add(uid);
      this.upsert(store, item);
    }
    for (const uid of [...(this.byStore.get(store) ?? [])]) {
      const node = this.nodes.get(uid);
      if (node && !seen.has(uid)) this.removeNode(node);
    }
  }

  private upsert(store: GenericStore, obj: KubeObject): void {
    const m = obj.metadata ?? {};
    const uid = m.uid;
    if (!uid) return;
    const prev = this.nodes.get(uid);
    const node: GraphNode = {
      uid,
      store,
      namespace: m.namespace ?? '',
      name: m.name ?? '',
      owners: ownerRefs(obj),
      deleting: Boolean(m.deletionTimestamp),
      finalizers: m.finalizers?.length ? m.finalizers : NONE,
    };
    if (prev) for (const o of prev.owners) this.dependents.get(o.uid)?.delete(uid);
    for (const o of node.owners) {
      const set = this.dependents.get(o.uid) ?? new Set<string>();
      set.add(uid);
      this.dependents.set(o.uid, set);
    }
    this.nodes.set(uid, node);
    const own = this.byStore.get(store) ?? new Set<string>();
    own.add(uid);
    this.byStore.set(store, own);
    const changed =
      !prev ||
      prev.deleting !== node.deleting ||
      JSON.stringify(prev.finalizers) !== JSON.stringify(node.finalizers) ||
      JSON.stringify(prev.owners) !== JSON.stringify(node.owners);
    if (!changed) return;
    if (node.owners.length > 0 || this.needsOwnerWork(node)) this.queue?.add(uid);
    // a foreground owner waits for this object: let it re-check
    for (const o of node.owners) if (this.nodes.get(o.uid)?.deleting) this.queue?.add(o.uid);
  }

  private needsOwnerWork(node: GraphNode): boolean {
    return (
      node.deleting && (node.finalizers.includes(ORPHAN_FINALIZER) || node.finalizers.includes(FOREGROUND_FINALIZER))
    );
  }

  private remove(obj: KubeObject): void {
    const node = obj.metadata?.uid ? this.nodes.get(obj.metadata.uid) : undefined;
    if (node) this.removeNode(node);
  }

  private removeNode(node: GraphNode): void {
    this.nodes.delete(node.uid);
    this.byStore.get(node.store)?.delete(node.uid);
    for (const o of node.owners) {
      this.dependents.get(o.uid)?.delete(node.uid);
      if (this.nodes.has(o.uid)) this.queue?.add(o.uid);
    }
    // its dependents may now be dangling
    for (const d of this.dependents.get(node.uid) ?? []) this.queue?.add(d);
  }

  private async processItem(uid: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const node = this.nodes.get(uid);
    if (!node) return;
    if (node.deleting) {
      if (node.finalizers.includes(ORPHAN_FINALIZER)) await this.orphanDependents(node, signal);
      else if (node.finalizers.includes(FOREGROUND_FINALIZER)) await this.deleteDependents(node, signal);
      return;
    }
    if (node.owners.length > 0) await this.attemptToDelete(node, signal);
  }

  private ownerStore(ref: OwnerRef): GenericStore | undefined {
    return this.table.byKind(groupOf(ref.apiVersion ?? ''), ref.kind);
  }

  /** 'absent' when no object with the reference's uid exists; otherwise the owner. */
  private async lookupOwner(node: GraphNode, ref: OwnerRef): Promise<KubeObject | 'absent' | 'unknown'> {
    const store = this.ownerStore(ref);
    if (!store) return 'unknown';
    if (store.info.namespaced && node.namespace === '') return 'unknown';
    try {
      const owner = await store.get(store.info.namespaced ? node.namespace : '', ref.name);
      return owner.metadata?.uid === ref.uid ? owner : 'absent';
    } catch (e) {
      if (isStatus(e, 404)) return 'absent';
      throw e;
    }
  }

  private async attemptToDelete(node: GraphNode, signal: AbortSignal): Promise<void> {
    const dangling: OwnerRef[] = [];
    const waiting: OwnerRef[] = [];
    let solid = 0;
    for (const ref of node.owners) {
      const owner = await this.lookupOwner(node, ref);
      if (owner === 'absent') dangling.push(ref);
      else if (owner === 'unknown') solid++;
      else if (owner.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER))
        waiting.push(ref);
      else solid++;
    }
    if (signal.aborted) return;
    if (solid > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patchOwnerRefs(node, drop);
      return;
    }
    let policy = 'Background';
    if (waiting.some((r) => r.blockOwnerDeletion) && (this.dependents.get(node.uid)?.size ?? 0) > 0) {
      policy = 'Foreground';
    } else if (node.finalizers.includes(ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (node.finalizers.includes(FOREGROUND_FINALIZER)) policy = 'Foreground';
    try {
      await node.store.delete(node.namespace, node.name, {
        preconditions: { uid: node.uid },
        propagationPolicy: policy,
      });
    } catch (e) {
      if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
    }
  }

  private async patchOwnerRefs(node: GraphNode, drop: Set<string>): Promise<void> {
    try {
      await node.store.updateWith(node.namespace, node.name, (cur) => {
        if (cur.metadata?.uid !== node.uid) return cur;
        const refs = (cur.metadata?.ownerReferences ?? []).filter((r) => !drop.has(String(r.uid)));
        const metadata = { ...(cur.metadata ?? {}) };
        if (refs.length > 0) metadata.ownerReferences = refs;
        else delete metadata.ownerReferences;
        return { ...cur, metadata };
      });
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    try {
      await node.store.updateWith(node.namespace, node.name, (cur) => {
        if (cur.metadata?.uid !== node.uid) return cur;
        const finalizers = (cur.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
        const metadata = { ...(cur.metadata ?? {}) };
        if (finalizers.length > 0) metadata.finalizers = finalizers;
        else delete metadata.finalizers;
        return { ...cur, metadata };
      });
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
  }

  private async orphanDependents(owner: GraphNode, signal: AbortSignal): Promise<void> {
    for (const uid of [...(this.dependents.get(owner.uid) ?? [])]) {
      if (signal.aborted) return;
      const dep = this.nodes.get(uid);
      if (dep) await this.patchOwnerRefs(dep, new Set([owner.uid]));
    }
    if (signal.aborted) return;
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private async deleteDependents(owner: GraphNode, signal: AbortSignal): Promise<void> {
    const deps = [...(this.dependents.get(owner.uid) ?? [])]
      .map((uid) => this.nodes.get(uid))
      .filter((n): n is GraphNode => n !== undefined);
    for (const dep of deps) if (!dep.deleting) this.queue?.add(dep.uid);
    const blocking = deps.filter((d) => d.owners.some((r) => r.uid === owner.uid && r.blockOwnerDeletion === true));
    if (blocking.length > 0 || signal.aborted) return;
    await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
  }
}
