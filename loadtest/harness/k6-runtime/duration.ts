// k6 duration strings ("10s", "1m30s", "500ms", "2h") and bare numbers (milliseconds for timeouts).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, us: 0.001, µs: 0.001 };

export function parseDurationMs(value: unknown, fallbackMs: number): number {
  if (value === undefined || value === null || value === '') return fallbackMs;
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`invalid duration "${text}"`);
  return total;
}

/** Go's time.Duration text as k6 prints it in its summary (e.g. 1.23ms, 456.78µs, 1.5s, 1m2s). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${round(ms * 1_000_000)}ns`;
  if (ms < 1) return `${round(ms * 1000)}µs`;
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  if (minutes < 60) return `${minutes}m${round(rest / 1000)}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${round(rest / 1000)}s`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
