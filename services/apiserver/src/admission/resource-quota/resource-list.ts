import { formatQuantity, parseQuantity, quantityFormatOf, type QuantityFormat } from '../../api/quantity';

/** One quantity in a resource list: exact nano-units plus the format it prints in. */
export interface Amount {
  nanos: bigint;
  format: QuantityFormat;
}

/** Upstream's corev1.ResourceList, with exact arithmetic. */
export type ResourceList = Map<string, Amount>;

const ONE = 1_000_000_000n;

export function count(n: number): Amount {
  return { nanos: BigInt(n) * ONE, format: 'DecimalSI' };
}

/** A ResourceList from an object's map of quantities (strings or numbers); unparsable values are left out. */
export function parseResourceList(raw: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
    if (text === undefined) continue;
    const nanos = parseQuantity(text);
    if (nanos !== undefined) out.set(k, { nanos, format: quantityFormatOf(text) });
  }
  return out;
}

/** The map an object stores: canonical quantity strings. */
export function toRecord(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) {
    const v = list.get(k) as Amount;
    out[k] = formatQuantity(v.nanos, v.format);
  }
  return out;
}

/** a + b; a sum keeps a's format unless a is zero, as Quantity.Add does. */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const have = out.get(k);
    if (!have) out.set(k, v);
    else out.set(k, { nanos: have.nanos + v.nanos, format: have.nanos === 0n ? v.format : have.format });
  }
  return out;
}

/** a - b per key of a, never below zero (upstream's SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const d = v.nanos - (b.get(k)?.nanos ?? 0n);
    out.set(k, { nanos: d < 0n ? 0n : d, format: v.format });
  }
  return out;
}

/** a - b for every key of a or b (negative where b is larger). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const have = out.get(k);
    out.set(k, { nanos: (have?.nanos ?? 0n) - v.nanos, format: have?.format ?? v.format });
  }
  return out;
}

/** Only the given names. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, v]) => v.nanos !== 0n));
}

export function negativeNames(list: ResourceList): string[] {
  return [...list].filter(([, v]) => v.nanos < 0n).map(([k]) => k);
}

/** The names of a whose value exceeds b's (names b lacks never do), as upstream's LessThanOrEqual. */
export function exceededNames(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const limit = b.get(k);
    if (limit && v.nanos > limit.nanos) out.push(k);
  }
  return out.sort();
}

/** The same names with the same values. */
export function equalLists(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k)?.nanos !== v.nanos) return false;
  return true;
}

/** Upstream's prettyPrint: `name=value` sorted by name, comma-separated. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => {
      const v = list.get(k) as Amount;
      return `${k}=${formatQuantity(v.nanos, v.format)}`;
    })
    .join(',');
}

export function prettyPrintNames(names: Iterable<string>): string {
  return [...new Set(names)].sort().join(',');
}
