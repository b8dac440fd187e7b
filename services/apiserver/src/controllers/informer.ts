import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import type { Watcher } from '../storage/interface';
import { Fifo } from '../storage/fifo';
import { errorText, sleep } from './util';
import { logError } from '../logging/line-log';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerHandlers {
  /** The full state after each (re)list; objects absent from it were deleted meanwhile. */
  onList(items: KubeObject[]): void;
  onEvent(type: InformerEventType, obj: KubeObject): void;
}

/**
 * List-then-watch of one store (all namespaces), relisting when the watch ends,
 * until signal aborts: a small client-go reflector over the in-process stores.
 */
export async function runInformer(
  store: GenericStore,
  signal: AbortSignal,
  handlers: InformerHandlers,
  log: (line: string) => void,
): Promise<void> {
  let watcher: Watcher | undefined;
  const onAbort = (): void => watcher?.stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal.aborted) {
      try {
        const list = await store.list('', {});
        if (signal.aborted) return;
        handlers.onList((list.items as KubeObject[]) ?? []);
        const rv = String(list.metadata?.resourceVersion ?? '');
        watcher = await store.watch('', '', { resourceVersion: rv });
        if (signal.aborted) {
          watcher.stop();
          return;
        }
        for await (const ev of watcher) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')
            handlers.onEvent(ev.type, ev.object);
          else if (ev.type === 'ERROR') break;
        }
      } catch (e) {
        if (!signal.aborted) logError(log, `informer ${store.info.resource}: ${errorText(e)}`);
      }
      await sleep(500, signal);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * A work queue of keys with client-go's guarantees: a key is processed by one
 * worker at a time, a key added while it is processed runs again afterwards, and
 * failed keys are retried after a delay.
 */
export class WorkQueue {
  private readonly queue = new Fifo<string>();
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private wake: (() => void) | undefined;
  private workers: Promise<void>[] = [];
  private paused = true;

  constructor(
    private readonly process: (key: string) => Promise<void>,
    private readonly signal: AbortSignal,
    private readonly log: (line: string) => void,
    private readonly retryMs = 1000,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  add(key: string): void {
    if (this.signal.aborted) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.wake?.();
  }

  /** Starts n workers (keys added before are kept until then). */
  run(n: number): void {
    if (!this.paused) return;
    this.paused = false;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  async done(): Promise<void> {
    this.wake?.();
    await Promise.all(this.workers);
  }

  private async next(): Promise<string | undefined> {
    while (!this.signal.aborted) {
      const key = this.queue.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        return key;
      }
      await new Promise<void>((resolve) => {
        const prev = this.wake;
        this.wake = () => {
          this.wake = undefined;
          prev?.();
          resolve();
        };
      });
    }
    return undefined;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      this.active.add(key);
      let failed = false;
      try {
        await this.process(key);
      } catch (e) {
        failed = true;
        if (!this.signal.aborted) logError(this.log, `${key}: ${errorText(e)}`);
      }
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      else if (failed) {
        const timer = setTimeout(() => this.add(key), this.retryMs);
        timer.unref();
      }
    }
  }
}

/** Where a keyed informer puts what it sees: every object by namespace and name. */
export interface InformerSink {
  upsert(obj: KubeObject): void;
  remove(namespace: string, name: string): void;
}

/**
 * runInformer for an in-memory index: objects a relist no longer holds are
 * removed. Resolves once the first list is in the sink.
 */
export function runKeyedInformer(
  store: GenericStore,
  signal: AbortSignal,
  sink: InformerSink,
  log: (line: string) => void,
): Promise<void> {
  const known = new Map<string, { namespace: string; name: string }>();
  const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const put = (o: KubeObject): void => {
    sink.upsert(o);
    known.set(keyOf(o), { namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
  };
  return new Promise<void>((synced) => {
    void runInformer(
      store,
      signal,
      {
        onList: (items) => {
          const present = new Set(items.map(keyOf));
          for (const [k, v] of known) {
            if (present.has(k)) continue;
            sink.remove(v.namespace, v.name);
            known.delete(k);
          }
          for (const o of items) put(o);
          synced();
        },
        onEvent: (type, o) => {
          if (type !== 'DELETED') return put(o);
          sink.remove(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
          known.delete(keyOf(o));
        },
      },
      log,
    );
  });
}
