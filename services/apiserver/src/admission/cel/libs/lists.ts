import type { Environment } from '@marcbachmann/cel-js';
import { chargeForSize } from '../cost';
import { CelEvaluationError } from '../errors';

type Comparable = bigint | number | string | boolean;

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === typeof b && (typeof a === 'string' || typeof a === 'boolean')) {
    const x = a as Comparable;
    const y = b as Comparable;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (hasCompare(a) && hasCompare(b)) return a.compareTo(b);
  throw new CelEvaluationError('no such overload');
}

interface Ordered {
  compareTo(other: unknown): number;
}

function hasCompare(v: unknown): v is Ordered {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Ordered>).compareTo === 'function';
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number'))
    return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

function extreme(list: unknown[], sign: 1 | -1, name: string): unknown {
  chargeForSize(list.length);
  if (list.length === 0) throw new CelEvaluationError(`${name}(list) called on empty list`);
  let best = list[0];
  for (const v of list.slice(1)) if (compare(v, best) * sign > 0) best = v;
  return best;
}

function sum(list: unknown[]): unknown {
  chargeForSize(list.length);
  if (list.length === 0) return 0n;
  if (list.every((v) => typeof v === 'bigint')) return (list as bigint[]).reduce((a, b) => a + b, 0n);
  if (list.every((v) => typeof v === 'number')) return (list as number[]).reduce((a, b) => a + b, 0);
  if (list.every((v) => hasAdd(v))) return list.slice(1).reduce((a: unknown, b) => (a as Addable).add(b), list[0]);
  throw new CelEvaluationError('no such overload: sum');
}

interface Addable {
  add(other: unknown): unknown;
}

function hasAdd(v: unknown): v is Addable {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Addable>).add === 'function';
}

/** Kubernetes' lists library: isSorted, sum, min, max, indexOf, lastIndexOf. */
export function registerListsLibrary(env: Environment): void {
  env
    .registerFunction('list<T>.isSorted(): bool', (list: unknown[]) => {
      chargeForSize(list.length);
      for (let i = 1; i < list.length; i++) if (compare(list[i - 1], list[i]) > 0) return false;
      return true;
    })
    .registerFunction('list<T>.sum(): T', sum)
    .registerFunction('list<T>.min(): T', (list: unknown[]) => extreme(list, -1, 'min'))
    .registerFunction('list<T>.max(): T', (list: unknown[]) => extreme(list, 1, 'max'))
    .registerFunction('list<T>.indexOf(T): int', (list: unknown[], v: unknown) => {
      chargeForSize(list.length);
      return BigInt(list.findIndex((x) => equal(x, v)));
    })
    .registerFunction('list<T>.lastIndexOf(T): int', (list: unknown[], v: unknown) => {
      chargeForSize(list.length);
      for (let i = list.length - 1; i >= 0; i--) if (equal(list[i], v)) return BigInt(i);
      return -1n;
    });
}
