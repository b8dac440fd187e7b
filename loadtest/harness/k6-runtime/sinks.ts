// Aggregated samples per metric (and per tagged sub-metric named by a threshold), as k6's sinks.
import type { MetricType, Sample, Tags } from './protocol';

export class Sink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last = 0;
  nonZero = 0;
  private values: number[] = [];
  private sorted = true;

  constructor(
    readonly type: MetricType,
    readonly contains: Sample['contains'],
  ) {}

  add(v: number): void {
    this.count++;
    this.sum += v;
    this.min = Math.min(this.min, v);
    this.max = Math.max(this.max, v);
    this.last = v;
    if (v !== 0) this.nonZero++;
    if (this.type === 'trend') {
      this.values.push(v);
      this.sorted = false;
    }
  }

  /** Linear interpolation between the closest ranks, as k6's trend sink. */
  percentile(p: number): number {
    if (this.values.length === 0) return 0;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const i = p * (this.values.length - 1);
    const lo = this.values[Math.floor(i)];
    const hi = this.values[Math.ceil(i)];
    return lo + (hi - lo) * (i - Math.floor(i));
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  get rate(): number {
    return this.count === 0 ? NaN : this.nonZero / this.count;
  }
}

export interface SubMetric {
  parent: string;
  name: string;
  filter: Tags;
}

/** Parses "http_req_duration{name:list,method:GET}" into the parent metric and its tag filter. */
export function parseMetricName(full: string): SubMetric {
  const m = /^([^{]+)(?:\{(.*)\})?$/.exec(full.trim());
  if (!m) throw new Error(`invalid metric name "${full}"`);
  const filter: Tags = {};
  for (const pair of (m[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf(':');
    if (at < 0) throw new Error(`invalid tag filter "${pair}" in "${full}"`);
    filter[pair.slice(0, at).trim()] = pair
      .slice(at + 1)
      .trim()
      .replace(/^"|"$/g, '');
  }
  return { parent: m[1].trim(), name: full.trim(), filter };
}

export class Registry {
  readonly sinks = new Map<string, Sink>();
  private readonly subs: SubMetric[] = [];
  readonly subSinks = new Map<string, Sink>();

  watchSubMetric(name: string): void {
    const sub = parseMetricName(name);
    if (Object.keys(sub.filter).length > 0 && !this.subs.some((s) => s.name === sub.name)) this.subs.push(sub);
  }

  add(s: Sample): void {
    let sink = this.sinks.get(s.metric);
    if (!sink) this.sinks.set(s.metric, (sink = new Sink(s.type, s.contains)));
    sink.add(s.value);
    for (const sub of this.subs) {
      if (sub.parent !== s.metric) continue;
      if (!Object.entries(sub.filter).every(([k, v]) => s.tags[k] === v)) continue;
      let ss = this.subSinks.get(sub.name);
      if (!ss) this.subSinks.set(sub.name, (ss = new Sink(s.type, s.contains)));
      ss.add(s.value);
    }
  }

  /** The sink of a metric or sub-metric name; an unseen sub-metric of a known metric is empty. */
  get(name: string): Sink | undefined {
    const sub = parseMetricName(name);
    if (Object.keys(sub.filter).length === 0) return this.sinks.get(sub.parent);
    const parent = this.sinks.get(sub.parent);
    return this.subSinks.get(sub.name) ?? (parent ? new Sink(parent.type, parent.contains) : undefined);
  }
}
