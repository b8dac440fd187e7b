import type { KubeObject } from '../../api/object';
import { Bitmap } from './bitmap';
import { serviceAllocatorsFor, type AllocatorDeps } from './allocators';
import { serviceClusterIPs, serviceNodePorts } from '../strategies/services';

/** Upstream keeps an allocation no Service holds for this many repair runs before freeing it. */
export const DEFAULT_LEAK_GRACE_RUNS = 3;

export interface RangeRepairResult {
  /** Allocations the Services hold that the bitmap lacked (now set). */
  repaired: string[];
  /** Allocations no Service holds, kept for now (an in-flight create may own them). */
  leaked: string[];
  /** Leaks freed in this run. */
  released: string[];
  /** Values held by more than one Service. */
  duplicates: string[];
  /** Values Services hold outside the configured range. */
  outOfRange: string[];
  /** Allocations in the bitmap after the run. */
  allocated: number;
}

export interface RepairResult {
  ips: RangeRepairResult;
  nodePorts: RangeRepairResult;
}

export interface RepairOptions {
  /** Runs a leaked allocation survives; 0 frees leaks at once. Default 3, as upstream. */
  leakGraceRuns?: number;
}

/** Leak counters survive between runs over the same storage (the controller calls periodically). */
const leakCounts = new WeakMap<object, { ips: Map<number, number>; ports: Map<number, number> }>();

function rebuild(
  current: Bitmap,
  held: Map<number, string>,
  counts: Map<number, number>,
  grace: number,
  label: (offset: number) => string,
  out: RangeRepairResult,
): Bitmap {
  const next = new Bitmap(current.size);
  for (const off of held.keys()) {
    next.set(off);
    if (!current.has(off)) out.repaired.push(label(off));
  }
  const seen = new Set<number>();
  for (const off of current.offsets()) {
    if (held.has(off)) continue;
    seen.add(off);
    const n = (counts.get(off) ?? 0) + 1;
    if (n > grace) {
      out.released.push(label(off));
      counts.delete(off);
    } else {
      counts.set(off, n);
      out.leaked.push(label(off));
      next.set(off);
    }
  }
  for (const off of [...counts.keys()]) if (!seen.has(off)) counts.delete(off);
  out.allocated = next.count();
  return next;
}

const emptyResult = (): RangeRepairResult => ({
  repaired: [],
  leaked: [],
  released: [],
  duplicates: [],
  outOfRange: [],
  allocated: 0,
});

/**
 * Upstream's allocator repair loops (ClusterIP and NodePort) in one pass: rebuilds
 * both RangeAllocation bitmaps from the Services in storage, by compare-and-swap.
 * A leaderelected controller calls this periodically; it is safe to run alongside
 * writes on any replica (allocations made meanwhile are kept as "leaked" for the
 * grace runs, then freed if still unowned).
 */
export async function repairAllocators(deps: AllocatorDeps, opts: RepairOptions = {}): Promise<RepairResult> {
  const grace = opts.leakGraceRuns ?? DEFAULT_LEAK_GRACE_RUNS;
  const { ips, nodePorts } = serviceAllocatorsFor(deps);
  let counts = leakCounts.get(deps.storage);
  if (!counts) {
    counts = { ips: new Map(), ports: new Map() };
    leakCounts.set(deps.storage, counts);
  }
  const list = await deps.storage.list(`${deps.prefix}/services/specs/`, { recursive: true });
  const ipResult = emptyResult();
  const portResult = emptyResult();
  const heldIPs = new Map<number, string>();
  const heldPorts = new Map<number, string>();
  for (const svc of list.items as KubeObject[]) {
    const who = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    for (const ip of serviceClusterIPs(svc)) {
      const off = ips.range.offsetOf(ip);
      if (off === undefined) {
        if (ips.range.family === (ip.includes(':') ? 6 : 4)) ipResult.outOfRange.push(ip);
        continue;
      }
      if (heldIPs.has(off) && heldIPs.get(off) !== who) ipResult.duplicates.push(ip);
      heldIPs.set(off, who);
    }
    for (const port of serviceNodePorts(svc)) {
      const off = nodePorts.range.offsetOf(port);
      if (off === undefined) {
        portResult.outOfRange.push(String(port));
        continue;
      }
      if (heldPorts.has(off) && heldPorts.get(off) !== who) portResult.duplicates.push(String(port));
      heldPorts.set(off, who);
    }
  }
  const ipCounts = counts.ips;
  const portCounts = counts.ports;
  const ipBefore = new Map(ipCounts);
  const portBefore = new Map(portCounts);
  const restore = (m: Map<number, number>, from: Map<number, number>): void => {
    m.clear();
    for (const [k, v] of from) m.set(k, v);
  };
  await ips.allocator.replace((current) => {
    restore(ipCounts, ipBefore); // a CAS retry starts from the counts of the last run
    Object.assign(ipResult, { ...emptyResult(), duplicates: ipResult.duplicates, outOfRange: ipResult.outOfRange });
    return rebuild(current, heldIPs, ipCounts, grace, (o) => ips.range.ipAt(o), ipResult);
  });
  await nodePorts.allocator.replace((current) => {
    restore(portCounts, portBefore);
    Object.assign(portResult, {
      ...emptyResult(),
      duplicates: portResult.duplicates,
      outOfRange: portResult.outOfRange,
    });
    return rebuild(current, heldPorts, portCounts, grace, (o) => String(nodePorts.range.portAt(o)), portResult);
  });
  return { ips: ipResult, nodePorts: portResult };
}
