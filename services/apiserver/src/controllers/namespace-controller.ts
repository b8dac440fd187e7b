import type { KubeObject } from '../api/object';
import { timeNow } from '../api/time';
import { StatusError } from '../api/errors';
import type { GenericStore } from '../registry/generic-store';
import { runInformer, WorkQueue } from './informer';
import { errorText, sleep, type LeaderController } from './util';
import { specFinalizersOf, type NamespaceCondition, type NamespaceStore } from '../registry/namespaces/namespace-store';
import { logError, prefixedLog } from '../logging/line-log';

const RESYNC_MS = 2000;
const DELETE_CONCURRENCY = 16;
/** Passes in a row that may each find (and delete) content before the namespace is retried later. */
const MAX_PASSES = 4;
const FINALIZER_KUBERNETES = 'kubernetes';

/** What one deletion pass over a namespace found. */
export interface ContentPass {
  /** Objects the pass listed (and tried to delete). */
  listed: number;
  /** resource.group -> objects still there after the pass (finalizers, foreground deletion, errors). */
  remaining: Map<string, number>;
  /** finalizer -> objects still carrying it. */
  finalizers: Map<string, number>;
  /** One entry per resource whose deletion failed. */
  errors: string[];
}

/**
 * The conditions upstream's namespace deleter reports on a Terminating namespace:
 * all five types every time, the "ok" variant (status False) unless something failed.
 */
export function deletionConditions(pass: ContentPass): NamespaceCondition[] {
  const remaining = [...pass.remaining].filter(([, n]) => n > 0);
  const finalizers = [...pass.finalizers].filter(([, n]) => n > 0);
  const ok = (type: string, reason: string, message: string): NamespaceCondition => ({
    type,
    status: 'False',
    reason,
    message,
  });
  const failed = (type: string, reason: string, message: string): NamespaceCondition => ({
    type,
    status: 'True',
    reason,
    message,
  });
  return [
    ok('NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'),
    ok(
      'NamespaceDeletionGroupVersionParsingFailure',
      'ParsedGroupVersions',
      'All legacy kube types successfully parsed',
    ),
    pass.errors.length > 0
      ? failed(
          'NamespaceDeletionContentFailure',
          'ContentDeletionFailed',
          `Failed to delete all resource types, ${pass.errors.length} remaining: ${[...pass.errors].sort().join(', ')}`,
        )
      : ok(
          'NamespaceDeletionContentFailure',
          'ContentDeleted',
          'All content successfully deleted, may be waiting on finalization',
        ),
    remaining.length > 0
      ? failed(
          'NamespaceContentRemaining',
          'SomeResourcesRemain',
          `Some resources are remaining: ${remaining
            .map(([gr, n]) => `${gr} has ${n} resource instances`)
            .sort()
            .join(', ')}`,
        )
      : ok('NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'),
    finalizers.length > 0
      ? failed(
          'NamespaceFinalizersRemaining',
          'SomeFinalizersRemain',
          `Some content in the namespace has finalizers remaining: ${finalizers
            .map(([f, n]) => `${f} in ${n} resource instances`)
            .sort()
            .join(', ')}`,
        )
      : ok('NamespaceFinalizersRemaining', 'ContentRemoved', 'All content successfully removed'),
  ];
}

/**
 * Merges fresh conditions into the stored ones: lastTransitionTime moves only
 * when a condition's status flips; undefined when nothing changed (no write).
 */
export function mergeConditions(
  current: NamespaceCondition[],
  fresh: NamespaceCondition[],
  now = timeNow(),
): NamespaceCondition[] | undefined {
  let changed = false;
  const out = current.map((c) => ({ ...c }));
  for (const f of fresh) {
    const old = out.find((c) => c.type === f.type);
    if (!old) {
      out.push({ type: f.type, status: f.status, lastTransitionTime: now, reason: f.reason, message: f.message });
      changed = true;
    } else if (old.status !== f.status || old.reason !== f.reason || old.message !== f.message) {
      if (old.status !== f.status) old.lastTransitionTime = now;
      old.status = f.status;
      old.reason = f.reason;
      old.message = f.message;
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/**
 * Empties Terminating namespaces and then removes the `kubernetes` finalizer
 * (upstream's namespace controller): every namespaced resource's objects are
 * deleted with Background propagation; while some remain (finalizers, foreground
 * deletion) the namespace is retried and its conditions say what is left. The
 * finalizer goes only after a pass that finds nothing at all, so an object
 * created by a writer that raced the Terminating mark (a stale admission read)
 * is caught by the next pass rather than outliving the namespace. Runs on the
 * leader only: driven by a watch of namespaces, with a periodic resync.
 */
export class NamespaceController implements LeaderController {
  readonly name = 'namespace-controller';
  private tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;

  constructor(
    private readonly namespaces: NamespaceStore,
    private readonly namespacedStores: () => GenericStore[],
    private readonly log: (line: string) => void = () => undefined,
    private readonly resyncMs = RESYNC_MS,
  ) {}

  start(signal: AbortSignal): void {
    const queue = new WorkQueue(
      (name) => this.syncNamespace(name, signal),
      signal,
      prefixedLog(this.log, 'namespace controller: '),
      this.resyncMs,
    );
    this.queue = queue;
    queue.run(2);
    const enqueue = (obj: KubeObject): void => {
      if (obj.metadata?.deletionTimestamp && obj.metadata.name) queue.add(obj.metadata.name);
    };
    this.tasks = [
      runInformer(
        this.namespaces,
        signal,
        { onList: (items) => items.forEach(enqueue), onEvent: (type, obj) => type !== 'DELETED' && enqueue(obj) },
        this.log,
      ),
      (async () => {
        while (!signal.aborted) {
          await sleep(this.resyncMs, signal);
          if (!signal.aborted) await this.sync(queue);
        }
      })(),
    ];
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
  }

  /** Queues every Terminating namespace (the resync). */
  async sync(queue = this.queue): Promise<void> {
    try {
      const list = await this.namespaces.list('', {});
      for (const ns of (list.items as KubeObject[]) ?? []) {
        if (ns.metadata?.deletionTimestamp && ns.metadata.name) queue?.add(ns.metadata.name);
      }
    } catch (e) {
      logError(this.log, `namespace controller: resync: ${errorText(e)}`);
    }
  }

  private async syncNamespace(name: string, signal: AbortSignal): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.namespaces.get('', name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
    if (!ns.metadata?.deletionTimestamp || signal.aborted) return;
    const finalizers = specFinalizersOf(ns);
    if (!finalizers.includes(FINALIZER_KUBERNETES)) {
      // someone else finalized it: nothing of ours holds it; remove it if nothing else does
      if (finalizers.length === 0) await this.namespaces.finalize(name, []);
      return;
    }
    for (let i = 0; i < MAX_PASSES; i++) {
      const pass = await this.deleteContent(name, signal);
      if (signal.aborted) return;
      const stillThere = await this.namespaces.setConditions(name, (cur) =>
        mergeConditions(cur, deletionConditions(pass)),
      );
      if (!stillThere) return;
      if (pass.listed === 0) {
        await this.namespaces.finalize(
          name,
          finalizers.filter((f) => f !== FINALIZER_KUBERNETES),
        );
        return;
      }
      const left = [...pass.remaining.values()].reduce((a, b) => a + b, 0);
      // content that waits on finalizers or failed is retried later, not spun on
      if (left > 0 || pass.errors.length > 0) {
        throw new Error(`namespace ${name}: ${left} objects remaining`);
      }
    }
    throw new Error(`namespace ${name}: content keeps appearing`);
  }

  /** One pass: lists every namespaced resource in the namespace and deletes what it finds. */
  private async deleteContent(name: string, signal: AbortSignal): Promise<ContentPass> {
    const pass: ContentPass = { listed: 0, remaining: new Map(), finalizers: new Map(), errors: [] };
    for (const store of this.namespacedStores()) {
      if (signal.aborted) return pass;
      const gr = `${store.info.resource}.${store.info.group}`;
      let items: KubeObject[];
      try {
        items = ((await store.list(name, {})).items as KubeObject[]) ?? [];
      } catch (e) {
        pass.errors.push(`${gr}: ${errorText(e)}`);
        pass.listed++;
        continue;
      }
      pass.listed += items.length;
      let failure: string | undefined;
      for (let i = 0; i < items.length; i += DELETE_CONCURRENCY) {
        if (signal.aborted) return pass;
        const results = await Promise.all(
          items.slice(i, i + DELETE_CONCURRENCY).map(async (item): Promise<KubeObject | undefined> => {
            try {
              const r = await store.delete(name, item.metadata?.name ?? '', {
                propagationPolicy: 'Background',
                preconditions: { uid: item.metadata?.uid },
              });
              return r.deleted ? undefined : r.object;
            } catch (e) {
              // gone, or replaced by a newer object of that name, which the next pass lists
              if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
              failure = errorText(e);
              return item;
            }
          }),
        );
        for (const left of results) {
          if (!left) continue;
          pass.remaining.set(gr, (pass.remaining.get(gr) ?? 0) + 1);
          for (const f of left.metadata?.finalizers ?? []) pass.finalizers.set(f, (pass.finalizers.get(f) ?? 0) + 1);
        }
      }
      if (failure) pass.errors.push(`${gr}: ${failure}`);
    }
    return pass;
  }
}
