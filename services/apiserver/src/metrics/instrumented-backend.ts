import { performance } from 'node:perf_hooks';
import type {
  Backend,
  BackendWatch,
  BackendWatchHandlers,
  BackendWatchOptions,
  DeleteResult,
  KV,
  RangeOptions,
  RangeResult,
  WriteResult,
} from '../storage/backend';
import type { ReplicaMetrics } from './replica-metrics';
import type { CounterSeries, HistogramSeries } from './series';

type Operation = 'get' | 'list' | 'listWithCount' | 'create' | 'update' | 'delete';

interface OperationSeries {
  duration: HistogramSeries;
  count: CounterSeries;
  errors?: CounterSeries;
}

/**
 * etcd_request_duration_seconds and etcd_requests_total around every backend
 * call (etcd or the embedded store), labelled by operation and the resource the
 * key belongs to.
 */
export class InstrumentedBackend implements Backend {
  readonly name: Backend['name'];
  rangeStat?: Backend['rangeStat'];
  startupWrites?: Backend['startupWrites'];
  private readonly series = new Map<string, OperationSeries>();

  constructor(
    private readonly inner: Backend,
    private readonly metrics: ReplicaMetrics,
    private readonly typeOf: (key: string) => string,
  ) {
    this.name = inner.name;
    if (inner.rangeStat) this.rangeStat = (prefix) => inner.rangeStat!(prefix);
    if (inner.startupWrites) this.startupWrites = (fn) => inner.startupWrites!(fn);
    if (inner.storageSize) this.storageSize = () => inner.storageSize!();
  }

  storageSize?: Backend['storageSize'];

  private seriesOf(op: Operation, key: string): OperationSeries {
    const type = this.typeOf(key);
    const k = `${op}|${type}`;
    let s = this.series.get(k);
    if (!s) {
      s = {
        duration: this.metrics.etcdRequestDuration.with(op, type),
        count: this.metrics.etcdRequests.with(op, type),
      };
      this.series.set(k, s);
    }
    return s;
  }

  /** The key is named once the call is done: a cache's first list may start before its resource is registered. */
  private async timed<T>(op: Operation, key: string, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    let failed = false;
    try {
      return await call();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      const s = this.seriesOf(op, key);
      s.count.value++;
      s.duration.observe((performance.now() - start) / 1000);
      if (failed) {
        s.errors ??= this.metrics.etcdRequestErrors.with(op, this.typeOf(key));
        s.errors.value++;
      }
    }
  }

  get(key: string): Promise<{ kv?: KV; revision: number }> {
    return this.timed('get', key, () => this.inner.get(key));
  }

  range(prefix: string, opts?: RangeOptions): Promise<RangeResult> {
    return this.timed('list', prefix, () => this.inner.range(prefix, opts));
  }

  count(prefix: string): Promise<number> {
    return this.timed('listWithCount', prefix, () => this.inner.count(prefix));
  }

  create(key: string, value: Buffer, opts?: { ttlSeconds?: number }): Promise<WriteResult> {
    return this.timed('create', key, () => this.inner.create(key, value, opts));
  }

  update(key: string, value: Buffer, expectedModRevision: number): Promise<WriteResult> {
    return this.timed('update', key, () => this.inner.update(key, value, expectedModRevision));
  }

  delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    return this.timed('delete', key, () => this.inner.delete(key, expectedModRevision));
  }

  watch(keyOrPrefix: string, opts: BackendWatchOptions, handlers: BackendWatchHandlers): Promise<BackendWatch> {
    return this.inner.watch(keyOrPrefix, opts, handlers);
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
