import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/object';
import type { Storage } from '../../storage/interface';
import { Bitmap } from './bitmap';

/** What a RangeAllocation bitmap counts: a CIDR of service IPs or a node port range. */
export interface RangeSpec {
  /** RangeAllocation.range as upstream writes it, e.g. "10.96.0.0/12" or "30000-32767". */
  range: string;
  /** Number of offsets in the bitmap. */
  size: number;
  /** Dynamic allocation searches [dynamicStart, size) first, then [0, dynamicStart). */
  dynamicStart: number;
  /** Offsets dynamic allocation never hands out (they can still be requested). */
  reserved: ReadonlySet<number>;
  /** A bitmap stored for another range, re-expressed in this one (when the flag changed). */
  translate(otherRange: string, data: Uint8Array): Bitmap;
}

export type RangeOp = { op: 'allocate'; offset: number } | { op: 'next' } | { op: 'release'; offset: number };

export type RangeOpResult = { ok: true; offset: number } | { ok: false; reason: 'allocated' | 'full' };

interface Pending {
  ops: RangeOp[];
  resolve(results: RangeOpResult[]): void;
  reject(err: unknown): void;
}

export const RANGE_ALLOCATION_API_VERSION = 'v1';
export const RANGE_ALLOCATION_KIND = 'RangeAllocation';

function dataOf(obj: KubeObject): Uint8Array {
  const d = obj.data;
  if (typeof d === 'string') return Buffer.from(d, 'base64');
  if (d instanceof Uint8Array) return d;
  return new Uint8Array(0);
}

/** Reads the bitmap out of a stored RangeAllocation ({} when it does not exist yet). */
export function bitmapOf(spec: RangeSpec, obj: KubeObject | null | undefined): Bitmap {
  if (!obj || obj.range === undefined) return new Bitmap(spec.size);
  const range = typeof obj.range === 'string' ? obj.range : '';
  const data = dataOf(obj);
  return range === spec.range ? Bitmap.fromBigEndian(spec.size, data) : spec.translate(range, data);
}

export function rangeAllocationObject(spec: RangeSpec, bm: Bitmap, metadata: KubeObject['metadata']): KubeObject {
  const m = { ...(metadata ?? {}) };
  delete m.resourceVersion;
  // a first write gets a uid: its bytes then differ from any other replica's first write
  // (etcd3-backend's createLanded tells a retried create of its own by its bytes)
  m.uid ??= randomUUID();
  return {
    apiVersion: RANGE_ALLOCATION_API_VERSION,
    kind: RANGE_ALLOCATION_KIND,
    metadata: m,
    range: spec.range,
    data: bm.toBigEndian().toString('base64'),
  };
}

/**
 * Allocation out of one RangeAllocation key. Every change is a compare-and-swap on
 * the key's mod revision (storage.guaranteedUpdate retries on conflict with the
 * fresh value), so allocators in different replicas never hand out the same
 * offset. Concurrent calls on one allocator are group-committed: all requests
 * waiting while a write is in flight go out together in the next write.
 */
export class RangeAllocator {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly storage: Storage,
    readonly key: string,
    readonly spec: RangeSpec,
    private readonly random: () => number = Math.random,
  ) {}

  private apply(bm: Bitmap, ops: RangeOp[]): RangeOpResult[] {
    const { size, dynamicStart, reserved } = this.spec;
    const skip = reserved.size > 0 ? (o: number): boolean => reserved.has(o) : undefined;
    return ops.map((op): RangeOpResult => {
      switch (op.op) {
        case 'allocate':
          if (bm.has(op.offset)) return { ok: false, reason: 'allocated' };
          bm.set(op.offset);
          return { ok: true, offset: op.offset };
        case 'release':
          bm.clear(op.offset);
          return { ok: true, offset: op.offset };
        case 'next': {
          const upper = size - dynamicStart;
          const start = dynamicStart + Math.floor(this.random() * Math.max(upper, 1));
          let found = bm.findFree(dynamicStart, size, start, skip);
          if (found === undefined && dynamicStart > 0) {
            const lowerStart = Math.floor(this.random() * dynamicStart);
            found = bm.findFree(0, dynamicStart, lowerStart, skip);
          }
          if (found === undefined) return { ok: false, reason: 'full' };
          bm.set(found);
          return { ok: true, offset: found };
        }
      }
    });
  }

  /** Applies the operations in one transaction (shared with concurrent callers). */
  run(ops: RangeOp[], dryRun = false): Promise<RangeOpResult[]> {
    if (ops.length === 0) return Promise.resolve([]);
    if (dryRun) return this.dryRun(ops);
    return new Promise<RangeOpResult[]>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async dryRun(ops: RangeOp[]): Promise<RangeOpResult[]> {
    const current = await this.storage.get(this.key, { ignoreNotFound: true });
    return this.apply(bitmapOf(this.spec, current), ops);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let results: RangeOpResult[][] = [];
        try {
          await this.storage.guaranteedUpdate(
            this.key,
            undefined,
            (current) => {
              const bm = bitmapOf(this.spec, current);
              results = batch.map((p) => this.apply(bm, p.ops));
              return rangeAllocationObject(this.spec, bm, current.metadata);
            },
            { ignoreNotFound: true },
          );
        } catch (err) {
          for (const p of batch) p.reject(err);
          continue;
        }
        batch.forEach((p, i) => p.resolve(results[i]));
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The stored bitmap (empty when the key does not exist). */
  async snapshot(): Promise<Bitmap> {
    return bitmapOf(this.spec, await this.storage.get(this.key, { ignoreNotFound: true }));
  }

  /** Replaces the bitmap with what `rebuild` makes of the current one, by CAS. */
  async replace(rebuild: (current: Bitmap) => Bitmap): Promise<Bitmap> {
    let out: Bitmap | undefined;
    await this.storage.guaranteedUpdate(
      this.key,
      undefined,
      (current) => {
        out = rebuild(bitmapOf(this.spec, current));
        return rangeAllocationObject(this.spec, out, current.metadata);
      },
      { ignoreNotFound: true },
    );
    return out ?? new Bitmap(this.spec.size);
  }
}
