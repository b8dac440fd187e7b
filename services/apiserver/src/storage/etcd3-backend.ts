import { AsyncLocalStorage } from 'node:async_hooks';
import { handleWhen, retry } from 'cockatiel';
import {
  Etcd3,
  GRPCUnavailableError,
  GRPCDeadlineExceededError,
  isRecoverableError,
  type IKeyValue,
  type IWatchResponse,
} from 'etcd3';
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
  RangeStat,
  WriteResult,
} from './backend';
import { prefixEnd } from './backend';
import { DEFAULT_COMPACTION_INTERVAL_MS, startPeriodic, type PeriodicTask } from './compactor';
import { StorageError } from './errors';

export interface Etcd3BackendOptions {
  endpoints: string[];
  /** 0 disables the compactor (another replica or an operator compacts). */
  compactionIntervalMs?: number;
  /** Deadline of each unary etcd call. */
  requestTimeoutMs?: number;
}

/**
 * Replicas coordinate compaction through this key, as kube-apiserver does, so a
 * cluster of replicas compacts once per interval rather than once per replica.
 * Its name matches upstream's so kapi and kube-apiserver can share an etcd.
 */
const COMPACT_REV_KEY = 'compact_rev_key';

function toKV(kv: IKeyValue): KV {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value ?? Buffer.alloc(0),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

function hasKey(kv: IKeyValue | null | undefined): kv is IKeyValue {
  return !!kv && !!kv.key && kv.key.length > 0;
}

/**
 * Connection-level failures: the client marks them recoverable, and once every
 * host failed its circuit breaker (cockatiel's BrokenCircuitError) rejects calls
 * without trying until a host is due for a retry.
 */
function isUnreachable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (isRecoverableError(e)) return true;
  return (e as Error & { isBrokenCircuitError?: boolean }).isBrokenCircuitError === true;
}

/** Maps etcd client failures onto StorageError codes the store understands. */
export function mapEtcdError(e: unknown, key = ''): Error {
  if (e instanceof StorageError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.includes('required revision has been compacted')) {
    return new StorageError('Expired', key, 'The resourceVersion for the provided list is too old.');
  }
  if (msg.includes('required revision is a future revision')) {
    return new StorageError('TooLargeResourceVersion', key, 'Too large resource version');
  }
  if (e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError || isUnreachable(e)) {
    return new StorageError('Unreachable', key, `etcd unreachable: ${msg}`);
  }
  return new StorageError('Internal', key, `etcd: ${msg}`);
}

/** Set around a create's transaction, so the client's retries of it are known. */
const writeAttempt = new AsyncLocalStorage<{ retried: boolean }>();

/**
 * The outcome of a create whose compare failed. After the client retried the
 * transaction, a current value byte for byte the one sent is this create: it
 * had been applied before its answer was lost with the member that applied it.
 * Without a retry equal bytes prove nothing (two allocators may write the same
 * value for the same key), so the key simply exists.
 */
export function createLanded(retried: boolean, current: KV | undefined, value: Buffer): WriteResult {
  if (retried && current && current.value.equals(value)) return { ok: true, revision: current.modRevision };
  return { ok: false, current };
}

export class Etcd3Backend implements Backend {
  readonly name = 'etcd3' as const;
  private readonly client: Etcd3;
  private compactor?: PeriodicTask;
  /** Version of COMPACT_REV_KEY last seen, and the store revision seen at that step. */
  private compactKeyVersion = 0;
  private compactObservedRevision = 0;

  constructor(opts: Etcd3BackendOptions) {
    const timeout = opts.requestTimeoutMs ?? 15_000;
    // the client's own default (three attempts on recoverable errors), observed: see createLanded
    const global = retry(handleWhen(isRecoverableError), { maxAttempts: 3 });
    global.onRetry(() => {
      const attempt = writeAttempt.getStore();
      if (attempt) attempt.retried = true;
    });
    this.client = new Etcd3({
      hosts: opts.endpoints,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      faultHandling: { global },
    });
    const interval = opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    if (interval > 0) {
      this.compactor = startPeriodic(
        interval,
        () => this.compactionStep(),
        () => {
          // A failed step is retried on the next tick; compaction is best effort.
        },
      );
    }
  }

  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapEtcdError(e, key);
    }
  }

  async get(key: string): Promise<{ kv?: KV; revision: number }> {
    const res = await this.call(key, () => this.client.get(key).exec());
    const kv = res.kvs[0];
    return { kv: hasKey(kv) ? toKV(kv) : undefined, revision: Number(res.header.revision) };
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const builder = this.client.getAll().inRange({ start: opts.startKey ?? prefix, end: prefixEnd(prefix) });
    if (opts.revision) builder.revision(opts.revision);
    if (opts.limit) builder.limit(opts.limit);
    const res = await this.call(prefix, () => builder.exec());
    return {
      kvs: res.kvs.map(toKV),
      revision: Number(res.header.revision),
      more: res.more,
      count: Number(res.count),
    };
  }

  async count(prefix: string): Promise<number> {
    return this.call(prefix, () =>
      this.client
        .getAll()
        .inRange({ start: prefix, end: prefixEnd(prefix) })
        .count(),
    );
  }

  async create(key: string, value: Buffer, opts: { ttlSeconds?: number } = {}): Promise<WriteResult> {
    return this.call(key, async () => {
      let lease: string | undefined;
      if (opts.ttlSeconds && opts.ttlSeconds > 0) {
        const grant = await this.client.leaseClient.leaseGrant({ TTL: opts.ttlSeconds });
        lease = grant.ID;
      }
      const attempt = { retried: false };
      const res = await writeAttempt.run(attempt, () =>
        this.client
          .if(key, 'Mod', '==', 0)
          .then({ request_put: { key: Buffer.from(key), value, lease } })
          .else({ request_range: { key: Buffer.from(key) } })
          .commit(),
      );
      if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
      const cur = res.responses[0]?.response_range?.kvs[0];
      return createLanded(attempt.retried, hasKey(cur) ? toKV(cur) : undefined, value);
    });
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<WriteResult> {
    return this.call(key, async () => {
      const res = await this.client
        .if(key, 'Mod', '==', expectedModRevision)
        // Keep the key's lease (a TTL set at create) as the embedded backend does.
        .then({ request_put: { key: Buffer.from(key), value, ignore_lease: true } })
        .else({ request_range: { key: Buffer.from(key) } })
        .commit();
      // An update's conflict needs no such care: guaranteedUpdate reads again and retries.
      if (res.succeeded) return { ok: true, revision: Number(res.header.revision) };
      const cur = res.responses[0]?.response_range?.kvs[0];
      return { ok: false, current: hasKey(cur) ? toKV(cur) : undefined };
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    return this.call(key, async () => {
      const del = { request_delete_range: { key: Buffer.from(key), prev_kv: true } };
      const get = { request_range: { key: Buffer.from(key) } };
      const res =
        expectedModRevision === undefined
          ? await this.client.if(key, 'Mod', '>', 0).then(del).else(get).commit()
          : await this.client.if(key, 'Mod', '==', expectedModRevision).then(del).else(get).commit();
      if (res.succeeded) {
        const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
        if (hasKey(prev)) return { ok: true, revision: Number(res.header.revision), prevKv: toKV(prev) };
        return { ok: false };
      }
      const cur = res.responses[0]?.response_range?.kvs[0];
      return { ok: false, current: hasKey(cur) ? toKV(cur) : undefined };
    });
  }

  async watch(keyOrPrefix: string, opts: BackendWatchOptions, handlers: BackendWatchHandlers): Promise<BackendWatch> {
    if (opts.afterRevision > 0) await this.assertNotCompacted(keyOrPrefix, opts.afterRevision);
    const builder = this.client
      .watch()
      .withPreviousKV()
      .startRevision(String(opts.afterRevision + 1));
    if (opts.recursive) builder.prefix(keyOrPrefix);
    else builder.key(keyOrPrefix);
    // Handlers go on before the watch is created so no early response is missed.
    const watcher = builder.watcher();
    let failed = false;
    let connected = false;
    let cancelled = false;
    const ready = new Promise<void>((resolve, reject) => {
      watcher.once('connected', () => {
        connected = true;
        resolve();
      });
      watcher.on('error', (err: Error) => {
        if (cancelled || failed) return;
        failed = true;
        const mapped = /compact/i.test(err.message)
          ? new StorageError('Expired', keyOrPrefix, 'The resourceVersion for the provided watch is too old.')
          : mapEtcdError(err, keyOrPrefix);
        if (!connected) reject(mapped);
        else handlers.onError(mapped);
        void watcher.cancel().catch(() => undefined);
      });
    });
    watcher.on('data', (res: IWatchResponse) => {
      if (cancelled || failed) return;
      if (res.compact_revision && Number(res.compact_revision) > 0 && res.events.length === 0) return;
      if (res.events.length === 0) {
        handlers.onProgress?.(Number(res.header.revision));
        return;
      }
      const events: BackendEvent[] = res.events.map((ev) => {
        const kv = toKV(ev.kv);
        const prevKv = hasKey(ev.prev_kv) ? toKV(ev.prev_kv) : undefined;
        return { type: ev.type === 'Delete' ? 'delete' : 'put', kv, prevKv, revision: kv.modRevision };
      });
      handlers.onEvents(events);
    });
    await ready;
    return {
      async cancel() {
        if (cancelled) return;
        cancelled = true;
        await watcher.cancel().catch(() => undefined);
      },
    };
  }

  /** A range at the revision fails exactly when etcd has compacted past it. */
  private async assertNotCompacted(key: string, revision: number): Promise<void> {
    try {
      await this.client.get(key).revision(revision).exec();
    } catch (e) {
      const mapped = mapEtcdError(e, key);
      if (mapped instanceof StorageError && mapped.code === 'Expired') {
        throw new StorageError('Expired', key, 'The resourceVersion for the provided watch is too old.');
      }
      // A future revision is fine for a watch: events arrive once etcd gets there.
      if (mapped instanceof StorageError && mapped.code === 'TooLargeResourceVersion') return;
      throw mapped;
    }
  }

  async rangeStat(prefix: string): Promise<RangeStat> {
    const res = await this.call(prefix, () =>
      this.client.kv.range({
        key: Buffer.from(prefix),
        range_end: Buffer.from(prefixEnd(prefix)),
        sort_target: 'Mod',
        sort_order: 'Descend',
        limit: 1,
        keys_only: true,
      }),
    );
    const top = res.kvs[0];
    return {
      revision: Number(res.header.revision),
      count: Number(res.count),
      maxModRevision: top ? Number(top.mod_revision) : 0,
    };
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('', () => this.client.get(COMPACT_REV_KEY).exec());
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision: String(revision), physical: false });
    } catch (e) {
      const mapped = mapEtcdError(e);
      // Someone (another replica) compacted further already: nothing left to do.
      if (mapped instanceof StorageError && mapped.code === 'Expired') return;
      throw mapped;
    }
  }

  /**
   * One compactor step: claim this interval by bumping COMPACT_REV_KEY's version
   * (a transaction, so only one replica wins), then compact to the revision the
   * previous step observed. A loser adopts the winner's version and tries next time.
   */
  async compactionStep(): Promise<void> {
    const res = await this.call(COMPACT_REV_KEY, () =>
      this.client
        .if(COMPACT_REV_KEY, 'Version', '==', this.compactKeyVersion)
        .then(this.client.put(COMPACT_REV_KEY).value(String(this.compactObservedRevision)))
        .else(this.client.get(COMPACT_REV_KEY))
        .commit(),
    );
    const observed = Number(res.header.revision);
    if (!res.succeeded) {
      const kv = res.responses[0]?.response_range?.kvs[0];
      this.compactKeyVersion = kv ? Number(kv.version) : 0;
      this.compactObservedRevision = observed;
      return;
    }
    this.compactKeyVersion += 1;
    const target = this.compactObservedRevision;
    this.compactObservedRevision = observed;
    if (target > 0) await this.compact(target);
  }

  async storageSize(): Promise<number> {
    const status = await this.call('status', () => this.client.maintenance.status());
    return Number(status.dbSize);
  }

  async healthCheck(): Promise<void> {
    await this.call('health', () =>
      this.client
        .get('health')
        .options({ deadline: Date.now() + 2000 })
        .exec(),
    );
  }

  async close(): Promise<void> {
    await this.compactor?.stop();
    this.client.close();
  }
}
