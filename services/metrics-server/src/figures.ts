import { formatQuantity, parseQuantity } from '../../apiserver/src/api/quantity';

/**
 * The sample server's usage figures, computed from what kapi stores so tests can
 * predict them (there is no kubelet to scrape):
 *
 * - a container uses exactly what it requests (resources.requests.cpu / .memory);
 * - a resource it does not request gets a figure from the FNV-1a hash of
 *   `<resource>/<namespace>/<pod>/<container>`: cpu 1m + (hash mod 100) m,
 *   memory 1Mi + (hash mod 64) Mi;
 * - a node uses a base of 50m + (hash of `cpu/<node>` mod 200) m cpu and
 *   256Mi + (hash of `memory/<node>` mod 512) Mi memory, plus the usage of every
 *   Running pod bound to it (spec.nodeName).
 */

const NANOS = 1_000_000_000n;
const MILLI = 1_000_000n;
const MI = 1024n * 1024n;

/** Usage in base units: cpu in nanocores, memory in bytes. */
export interface Usage {
  cpu: bigint;
  memory: bigint;
}

/** 32-bit FNV-1a of the UTF-8 bytes. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hashed(key: string, modulo: number): bigint {
  return BigInt(fnv1a(key) % modulo);
}

interface ContainerLike {
  name?: string;
  resources?: { requests?: Record<string, string | number> };
}

function requested(c: ContainerLike, resource: 'cpu' | 'memory'): bigint | undefined {
  const q = c.resources?.requests?.[resource];
  if (q === undefined) return undefined;
  return parseQuantity(String(q));
}

/** One container's usage by the rule above. */
export function containerUsage(namespace: string, pod: string, c: ContainerLike): Usage {
  const key = `${namespace}/${pod}/${c.name ?? ''}`;
  const cpu = requested(c, 'cpu') ?? (1n + hashed(`cpu/${key}`, 100)) * MILLI;
  const memoryNanos = requested(c, 'memory');
  const memory = memoryNanos !== undefined ? memoryNanos / NANOS : (1n + hashed(`memory/${key}`, 64)) * MI;
  return { cpu, memory };
}

/** A node's own base usage, before its pods are added. */
export function nodeBaseUsage(node: string): Usage {
  return {
    cpu: (50n + hashed(`cpu/${node}`, 200)) * MILLI,
    memory: (256n + hashed(`memory/${node}`, 512)) * MI,
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
}

/** The ResourceList metrics-server writes: cpu as a scaled nano quantity, memory as BinarySI bytes. */
export function usageList(u: Usage): { cpu: string; memory: string } {
  return { cpu: formatQuantity(u.cpu, 'DecimalSI'), memory: formatQuantity(u.memory * NANOS, 'BinarySI') };
}
