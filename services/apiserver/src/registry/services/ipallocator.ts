import { isIP } from 'node:net';
import { bigIntToIp, ipToBigInt, parseCidr } from '../../net/cidr';
import type { Storage } from '../../storage/interface';
import { Bitmap } from './bitmap';
import { RangeAllocator, type RangeSpec } from './range-allocator';

export type IPFamilyName = 'IPv4' | 'IPv6';

/** Upstream caps an IPv6 service range's bitmap at this many addresses. */
const MAX_IPV6_RANGE = 65536n;

/** Where dynamic allocation starts: min(max(16, size/16), 256), 0 for tiny ranges (upstream's rule). */
function ipDynamicStart(rangeSize: bigint): number {
  if (rangeSize <= 16n) return 0;
  const offset = rangeSize / 16n;
  if (offset < 16n) return 16;
  if (offset > 256n) return 256;
  return Number(offset);
}

/** The addresses of a service CIDR as bitmap offsets: offset 0 is network+1, broadcast excluded for IPv4. */
export class ServiceIPRange {
  readonly family: 4 | 6;
  readonly familyName: IPFamilyName;
  /** Canonical CIDR text, e.g. 10.96.0.0/12 */
  readonly cidr: string;
  readonly base: bigint;
  readonly size: number;
  readonly spec: RangeSpec;

  constructor(cidrText: string) {
    const parsed = parseCidr(cidrText);
    this.family = parsed.family;
    this.familyName = parsed.family === 4 ? 'IPv4' : 'IPv6';
    this.cidr = `${bigIntToIp(parsed.network, parsed.family)}/${parsed.prefix}`;
    const rangeSize = 1n << BigInt(parsed.bits - parsed.prefix);
    let max = rangeSize;
    if (parsed.family === 6) {
      if (max > MAX_IPV6_RANGE) max = MAX_IPV6_RANGE;
    } else {
      max -= 1n; // broadcast
    }
    max -= 1n; // network address
    this.base = parsed.network + 1n;
    this.size = max > 0n ? Number(max) : 0;
    const cidr = this.cidr;
    this.spec = {
      range: cidr,
      size: this.size,
      dynamicStart: Math.min(ipDynamicStart(rangeSize), this.size),
      // offset 0 (the first address) belongs to the default/kubernetes Service
      reserved: new Set([0]),
      translate: (otherRange, data) => this.translate(otherRange, data),
    };
  }

  /** Offset of an address in the range, or undefined when it is outside (or of the other family). */
  offsetOf(ip: string): number | undefined {
    if (isIP(ip) !== this.family) return undefined;
    const v = ipToBigInt(ip).value;
    const off = v - this.base;
    if (off < 0n || off >= BigInt(this.size)) return undefined;
    return Number(off);
  }

  ipAt(offset: number): string {
    return bigIntToIp(this.base + BigInt(offset), this.family);
  }

  /** The first address, the default/kubernetes Service's ClusterIP. */
  get firstIP(): string {
    return this.ipAt(0);
  }

  private translate(otherRange: string, data: Uint8Array): Bitmap {
    const out = new Bitmap(this.size);
    let other: ServiceIPRange;
    try {
      other = new ServiceIPRange(otherRange);
    } catch {
      return out;
    }
    for (const off of Bitmap.fromBigEndian(other.size, data).offsets()) {
      const mine = this.offsetOf(other.ipAt(off));
      if (mine !== undefined) out.set(mine);
    }
    return out;
  }
}

export function ipNotInRangeMessage(ip: string, cidr: string): string {
  return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`;
}
export const IP_ALLOCATED_MESSAGE = 'provided IP is already allocated';
export const RANGE_FULL_MESSAGE = 'range is full';

/** Outcome of one requested or dynamic address. */
export type IPAllocation = { ok: true; ip: string } | { ok: false; ip: string; message: string; full?: boolean };

export const SERVICE_IPS_KEY = 'ranges/serviceips';

/**
 * ClusterIP allocation from --service-cluster-ip-range, kept (as upstream) in the
 * RangeAllocation at <prefix>/ranges/serviceips.
 */
export class ServiceIPAllocator {
  readonly range: ServiceIPRange;
  readonly allocator: RangeAllocator;

  constructor(storage: Storage, prefix: string, serviceClusterIPRange: string, random?: () => number) {
    // a second (dual-stack) range is not allocated from: kapi serves single-stack clusters
    this.range = new ServiceIPRange(serviceClusterIPRange.split(',')[0].trim());
    this.allocator = new RangeAllocator(storage, `${prefix}/${SERVICE_IPS_KEY}`, this.range.spec, random);
  }

  /**
   * Allocates each entry: a requested address, or a free one for ''. All in one
   * transaction; entries that fail leave the others allocated (the caller releases).
   */
  async allocate(requests: string[], dryRun = false): Promise<IPAllocation[]> {
    const results: IPAllocation[] = new Array<IPAllocation>(requests.length);
    const ops: Array<{ i: number; op: { op: 'allocate'; offset: number } | { op: 'next' } }> = [];
    requests.forEach((ip, i) => {
      if (ip === '') {
        ops.push({ i, op: { op: 'next' } });
        return;
      }
      const offset = this.range.offsetOf(ip);
      if (offset === undefined) {
        results[i] = { ok: false, ip, message: ipNotInRangeMessage(ip, this.range.cidr) };
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
      if (r.ok) results[i] = { ok: true, ip: this.range.ipAt(r.offset) };
      else if (r.reason === 'full') results[i] = { ok: false, ip: '', message: RANGE_FULL_MESSAGE, full: true };
      else results[i] = { ok: false, ip: requests[i], message: IP_ALLOCATED_MESSAGE };
    });
    return results;
  }

  /** Releases addresses; ones outside the range are ignored. */
  async release(ips: string[]): Promise<void> {
    const ops = ips
      .map((ip) => this.range.offsetOf(ip))
      .filter((o): o is number => o !== undefined)
      .map((offset) => ({ op: 'release' as const, offset }));
    await this.allocator.run(ops);
  }

  /** Allocated addresses, from the stored bitmap. */
  async allocated(): Promise<string[]> {
    return (await this.allocator.snapshot()).offsets().map((o) => this.range.ipAt(o));
  }
}
