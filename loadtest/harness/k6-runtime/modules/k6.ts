// The "k6" module: check, sleep, group, fail, randomSeed.
import { recordSample, vuContext } from '../vu-context';

type Checker = (value: unknown) => unknown;

export function check(value: unknown, sets: Record<string, Checker>, tags?: Record<string, string>): boolean {
  const ctx = vuContext();
  let all = true;
  for (const [name, fn] of Object.entries(sets)) {
    let ok: boolean;
    try {
      ok = Boolean(fn(value));
    } catch (e) {
      // k6 aborts the iteration when a check function throws; the check itself is not counted
      throw e instanceof Error ? e : new Error(String(e));
    }
    const key = `${ctx.group}\u0000${name}`;
    const tally = ctx.checks.get(key) ?? { group: ctx.group, name, passes: 0, fails: 0 };
    if (ok) tally.passes++;
    else tally.fails++;
    ctx.checks.set(key, tally);
    recordSample({
      metric: 'checks',
      type: 'rate',
      contains: 'default',
      value: ok ? 1 : 0,
      tags: { ...tags, check: name },
    });
    all = all && ok;
  }
  return all;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function sleep(seconds: number): void {
  if (seconds > 0) Atomics.wait(sleeper, 0, 0, seconds * 1000);
}

export function group<T>(name: string, fn: () => T): T {
  if (name.includes('::')) throw new Error("group and check names may not contain '::'");
  const ctx = vuContext();
  const outer = ctx.group;
  ctx.group = `${outer}::${name}`;
  const start = performance.now();
  try {
    return fn();
  } finally {
    recordSample({ metric: 'group_duration', type: 'trend', contains: 'time', value: performance.now() - start });
    ctx.group = outer;
  }
}

export function fail(message?: string): never {
  throw new Error(message ?? '');
}

export function randomSeed(seed: number): void {
  // Math.random cannot be seeded in V8; k6 scripts use this for reproducibility only
  void seed;
}

export default { check, sleep, group, fail, randomSeed };
