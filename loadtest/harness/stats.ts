import { readFileSync } from 'node:fs';

/** Latency samples (milliseconds) and the numbers the report prints. */
export class Samples {
  private values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  addAll(other: Samples): void {
    for (const v of other.values) this.values.push(v);
  }

  get count(): number {
    return this.values.length;
  }

  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = Float64Array.from(this.values).sort();
    const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[idx];
  }

  mean(): number {
    if (this.values.length === 0) return Number.NaN;
    let s = 0;
    for (const v of this.values) s += v;
    return s / this.values.length;
  }
}

/** The outcome of driving one target with one scenario (possibly several interleaved rounds). */
export interface RunResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  bytes: number;
  latency: Samples;
}

export function emptyResult(): RunResult {
  return { requests: 0, errors: 0, elapsedMs: 0, bytes: 0, latency: new Samples() };
}

export function merge(into: RunResult, r: RunResult): void {
  into.requests += r.requests;
  into.errors += r.errors;
  into.elapsedMs += r.elapsedMs;
  into.bytes += r.bytes;
  into.latency.addAll(r.latency);
}

export function throughput(r: RunResult): number {
  return r.elapsedMs > 0 ? (r.requests * 1000) / r.elapsedMs : 0;
}

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  return n.toFixed(digits);
}

/** A plain left/right aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** CPU time (user + system) a process has used, in ms: unlike wall time, not stretched by other load on the machine. */
export function processCpuMs(pid: number): number {
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux)
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
