// The end-of-test summary in k6's text format: checks by group, then one line per metric.
import { formatDuration } from './duration';
import type { CheckTally } from './protocol';
import type { Registry, Sink } from './sinks';
import type { ThresholdResult } from './thresholds';

const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

function formatData(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? String(Math.round(v)) : String(Math.round(v * 10) / 10)} ${units[u]}`;
}

function fmtValue(sink: Sink, v: number): string {
  if (sink.contains === 'time') return formatDuration(v);
  if (sink.contains === 'data') return formatData(v);
  return String(Math.round(v * 1000000) / 1000000);
}

function trendStat(sink: Sink, stat: string): number {
  if (stat === 'avg') return sink.avg;
  if (stat === 'min') return sink.count ? sink.min : 0;
  if (stat === 'max') return sink.count ? sink.max : 0;
  if (stat === 'med') return sink.percentile(0.5);
  return sink.percentile(Number(/p\((.*)\)/.exec(stat)?.[1]) / 100);
}

function metricValue(sink: Sink, seconds: number): string {
  switch (sink.type) {
    case 'counter': {
      const rate = seconds > 0 ? sink.sum / seconds : 0;
      const per = sink.contains === 'data' ? `${formatData(rate)}/s` : `${(Math.round(rate * 1e6) / 1e6).toFixed(6)}/s`;
      return `${fmtValue(sink, sink.sum).padEnd(7)} ${per}`;
    }
    case 'gauge':
      return `${fmtValue(sink, sink.last).padEnd(7)} min=${fmtValue(sink, sink.min).padEnd(8)} max=${fmtValue(sink, sink.max)}`;
    case 'rate':
      return `${(sink.rate * 100).toFixed(2)}% ✓ ${String(sink.nonZero).padEnd(8)} ✗ ${sink.count - sink.nonZero}`;
    default:
      return TREND_STATS.map((s) => `${s}=${fmtValue(sink, trendStat(sink, s)).padEnd(8)}`).join(' ');
  }
}

function checkLines(checks: CheckTally[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, CheckTally[]>();
  for (const c of checks) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  for (const [group, list] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const depth = group === '' ? 0 : group.split('::').length - 1;
    const indent = '     ' + '  '.repeat(depth);
    if (group !== '') lines.push(`${'     ' + '  '.repeat(depth - 1)}█ ${group.split('::').pop() ?? ''}`, '');
    for (const c of list) {
      if (c.fails === 0) lines.push(`${indent}✓ ${c.name}`);
      else {
        const pct = Math.floor((c.passes / (c.passes + c.fails)) * 100);
        lines.push(`${indent}✗ ${c.name}`, `${indent} ↳  ${pct}% — ✓ ${c.passes} / ✗ ${c.fails}`);
      }
    }
    lines.push('');
  }
  return lines;
}

export function renderSummary(
  registry: Registry,
  checks: CheckTally[],
  thresholds: ThresholdResult[],
  seconds: number,
): string {
  const lines = ['', ...checkLines(checks)];
  const names = [...registry.sinks.keys()];
  for (const t of thresholds) if (!names.includes(t.metric)) names.push(t.metric);
  names.sort((a, b) => a.localeCompare(b));
  const width = Math.max(...names.map((n) => n.length + (n.includes('{') ? 2 : 0))) + 3;
  for (const name of names) {
    const sink = registry.get(name);
    if (!sink) continue;
    const own = thresholds.filter((t) => t.metric === name);
    const mark = own.length === 0 ? '  ' : own.every((t) => t.ok) ? '✓ ' : '✗ ';
    const label = name.includes('{') ? `  ${name.slice(name.indexOf('{'))}` : name;
    lines.push(`   ${mark}${label}${'.'.repeat(Math.max(1, width - label.length))}: ${metricValue(sink, seconds)}`);
  }
  return lines.join('\n') + '\n';
}

export function exitMessage(thresholds: ThresholdResult[]): string | null {
  const failed = [...new Set(thresholds.filter((t) => !t.ok).map((t) => t.metric))];
  return failed.length === 0 ? null : `thresholds on metrics '${failed.join("', '")}' have been crossed`;
}
