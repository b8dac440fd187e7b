import type { Storage } from '../../storage/interface';
import { Bitmap } from './bitmap';
import { RangeAllocator, type RangeSpec } from './range-allocator';

/** Where dynamic allocation starts: min(max(16, size/32), 128), 0 for tiny ranges (upstream's rule). */
function portDynamicStart(size: number): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export function parsePortRange(text: string): { base: number; size: number } {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (hi < lo || hi > 65535) throw new Error(`invalid port range "${text}"`);
    return { base: lo, size: hi - lo + 1 };
  }
  const plus = /^\s*(\d+)\s*\+\s*(\d+)\s*$/.exec(text);
  if (plus) return { base: Number(plus[1]), size: Number(plus[2]) + 1 };
  const single = /^\s*(\d+)\s*$/.exec(text);
  if (single) return { base: Number(single[1]), size: 1 };
  throw new Error(`invalid port range "${text}"`);
}

/** --service-node-port-range as bitmap offsets: offset = port - base. */
export class NodePortRange {
  readonly base: number;
  readonly size: number;
  /** e.g. 30000-32767 */
  readonly text: string;
  readonly spec: RangeSpec;

  constructor(rangeText: string) {
    const { base, size } = parsePortRange(rangeText);
    this.base = base;
    this.size = size;
    this.text = `${base}-${base + size - 1}`;
    this.spec = {
      range: this.text,
      size,
      dynamicStart: portDynamicStart(size),
      reserved: new Set(),
      translate: (otherRange, data) => this.translate(otherRange, data),
    };
  }

  offsetOf(port: number): number | undefined {
    if (!Number.isInteger(port) || port < this.base || port >= this.base + this.size) return undefined;
    return port - this.base;
  }

  portAt(offset: number): number {
    return this.base + offset;
  }

  private translate(otherRange: string, data: Uint8Array): Bitmap {
    const out = new Bitmap(this.size);
    let other: NodePortRange;
    try {
      other = new NodePortRange(otherRange);
    } catch {
      return out;
    }
    for (const off of Bitmap.fromBigEndian(other.size, data).offsets()) {
      const mine = this.offsetOf(other.portAt(off));
      if (mine !== undefined) out.set(mine);
    }
    return out;
  }
}

export function portNotInRangeMessage(range: string): string {
  return `provided port is not in the valid range. The range of valid ports is ${range}`;
}
export const PORT_ALLOCATED_MESSAGE = 'provided port is already allocated';

export type PortAllocation = { ok: true; port: number } | { ok: false; port: number; message: string; full?: boolean };

export const SERVICE_NODE_PORTS_KEY = 'ranges/servicenodeports';

/** NodePort allocation, kept (as upstream) in the RangeAllocation at <prefix>/ranges/servicenodeports. */
export class NodePortAllocator {
  readonly range: NodePortRange;
  readonly allocator: RangeAllocator;

  constructor(storage: Storage, prefix: string, serviceNodePortRange: string, random?: () => number) {
    this.range = new NodePortRange(serviceNodePortRange);
    this.allocator = new RangeAllocator(storage, `${prefix}/${SERVICE_NODE_PORTS_KEY}`, this.range.spec, random);
  }

  /** Allocates each entry: a requested port, or a free one for 0, in one transaction. */
  async allocate(requests: number[], dryRun = false): Promise<PortAllocation[]> {
    const results: PortAllocation[] = new Array<PortAllocation>(requests.length);
    const ops: Array<{ i: number; op: { op: 'allocate'; offset: number } | { op: 'next' } }> = [];
    requests.forEach((port, i) => {
      if (port === 0) {
        ops.push({ i, op: { op: 'next' } });
        return;
      }
      const offset = this.range.offsetOf(port);
      if (offset === undefined) {
        results[i] = { ok: false, port, message: portNotInRangeMessage(this.range.text) };
        return;
      }
      ops.push({ i, op: { op: 'allocate', offset } });
    });
    const out = await this.allocator.run(
      ops.map((o) => o.op),
      dryRun,
    );
    out.forEach((r, k) => {
      const i = ops[k].i;
      if (r.ok) results[i] = { ok: true, port: this.range.portAt(r.offset) };
      else if (r.reason === 'full') results[i] = { ok: false, port: 0, message: 'range is full', full: true };
      else results[i] = { ok: false, port: requests[i], message: PORT_ALLOCATED_MESSAGE };
    });
    return results;
  }

  async release(ports: number[]): Promise<void> {
    const ops = ports
      .map((p) => this.range.offsetOf(p))
      .filter((o): o is number => o !== undefined)
      .map((offset) => ({ op: 'release' as const, offset }));
    await this.allocator.run(ops);
  }

  async allocated(): Promise<number[]> {
    return (await this.allocator.snapshot()).offsets().map((o) => this.range.portAt(o));
  }
}
