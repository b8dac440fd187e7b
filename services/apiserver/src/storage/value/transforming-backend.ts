import type {
  Backend,
  BackendEvent,
  BackendWatch,
  BackendWatchHandlers,
  BackendWatchOptions,
  DeleteResult,
  KV,
  RangeOptions,
  RangeResult,
  WriteResult,
} from '../backend';
import { StorageError } from '../errors';
import type { ValueTransformer } from './transformer';

/** Chooses the transformer of the resource a storage key belongs to. */
export type TransformerForKey = (key: string) => ValueTransformer;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Encryption at rest as a Backend over a Backend: values are transformed on the
 * way in and out, so the object store, the watch caches and everything reading
 * kvs see plaintext, and the etcd (or SQLite) underneath never does. Failures
 * are storage internal errors, worded as upstream's etcd3 store words them.
 */
export class TransformingBackend implements Backend {
  readonly name: Backend['name'];

  constructor(
    private readonly inner: Backend,
    private readonly transformerFor: TransformerForKey,
  ) {
    this.name = inner.name;
    if (inner.rangeStat) this.rangeStat = (prefix) => inner.rangeStat!(prefix);
    if (inner.startupWrites) this.startupWrites = (fn) => inner.startupWrites!(fn);
    if (inner.storageSize) this.storageSize = () => inner.storageSize!();
  }

  rangeStat?: Backend['rangeStat'];
  storageSize?: Backend['storageSize'];
  startupWrites?: Backend['startupWrites'];

  private async decrypt(kv: KV, inList: boolean): Promise<KV> {
    try {
      const out = await this.transformerFor(kv.key).fromStorage(kv.value, kv.key);
      return { ...kv, value: out.data, stale: out.stale || undefined };
    } catch (e) {
      const msg = inList ? `unable to transform key "${kv.key}": ${message(e)}` : message(e);
      throw new StorageError('Internal', kv.key, msg);
    }
  }

  private async decryptOptional(kv: KV | undefined): Promise<KV | undefined> {
    return kv ? this.decrypt(kv, false) : undefined;
  }

  private async encrypt(key: string, value: Buffer): Promise<Buffer> {
    try {
      return await this.transformerFor(key).toStorage(value, key);
    } catch (e) {
      throw new StorageError('Internal', key, message(e));
    }
  }

  private async writeResult(res: WriteResult): Promise<WriteResult> {
    if (res.ok) return res;
    return { ok: false, current: await this.decryptOptional(res.current) };
  }

  async get(key: string): Promise<{ kv?: KV; revision: number }> {
    const res = await this.inner.get(key);
    return { kv: await this.decryptOptional(res.kv), revision: res.revision };
  }

  async range(prefix: string, opts?: RangeOptions): Promise<RangeResult> {
    const res = await this.inner.range(prefix, opts);
    return { ...res, kvs: await Promise.all(res.kvs.map((kv) => this.decrypt(kv, true))) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: Buffer, opts?: { ttlSeconds?: number }): Promise<WriteResult> {
    return this.writeResult(await this.inner.create(key, await this.encrypt(key, value), opts));
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<WriteResult> {
    return this.writeResult(await this.inner.update(key, await this.encrypt(key, value), expectedModRevision));
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    const res = await this.inner.delete(key, expectedModRevision);
    if (res.ok) {
      // the object is gone either way; an undecryptable last state must not turn a done delete into a failure
      const prevKv = await this.decrypt(res.prevKv, false).catch(() => ({ ...res.prevKv, value: Buffer.from('{}') }));
      return { ...res, prevKv };
    }
    return { ok: false, current: await this.decryptOptional(res.current) };
  }

  async watch(keyOrPrefix: string, opts: BackendWatchOptions, handlers: BackendWatchHandlers): Promise<BackendWatch> {
    // events decrypt asynchronously (a KMS plugin may be asked), but are handed on in their order
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const decryptEvent = async (ev: BackendEvent): Promise<BackendEvent> => ({
      ...ev,
      kv: ev.type === 'delete' ? ev.kv : await this.decrypt(ev.kv, false),
      prevKv: ev.prevKv ? await this.decrypt(ev.prevKv, false) : undefined,
    });
    const handle = await this.inner.watch(keyOrPrefix, opts, {
      onEvents: (events) => {
        chain = chain.then(async () => {
          if (failed) return;
          let out: BackendEvent[];
          try {
            out = await Promise.all(events.map(decryptEvent));
          } catch (e) {
            failed = true;
            handlers.onError(e instanceof Error ? e : new Error(message(e)));
            void handle.cancel();
            return;
          }
          handlers.onEvents(out);
        });
      },
      onError: (err) => {
        chain = chain.then(() => {
          if (!failed) handlers.onError(err);
          failed = true;
        });
      },
      onProgress: handlers.onProgress
        ? (revision) => {
            chain = chain.then(() => {
              if (!failed) handlers.onProgress?.(revision);
            });
          }
        : undefined,
    });
    return handle;
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  healthCheck(): Promise<void> {
    return this.inner.healthCheck();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
