/**
 * Metric families that keep their numbers in plain fields and only build
 * prom-client's value list when scraped. prom-client's own Counter and
 * Histogram hash and validate the label object on every increment; a request
 * path that must cost next to nothing when nobody scrapes holds on to a series
 * once and bumps numbers on it instead.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** The shape prom-client's Registry reads a metric through. */
export interface CollectableMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: MetricType; aggregator: 'sum'; values: MetricValue[] }>;
}

const KEY_SEPARATOR = '\u0000';

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = values[i] ?? '';
  return out;
}

/** Floats as Go's strconv 'g' shortest form prints them, so `le` values read as upstream's do (1e+06, not 1000000). */
export function goFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 6) {
    const [mant, e] = v.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[-+]/, '');
    return `${mant}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
  }
  return String(v);
}

abstract class Family<S> implements CollectableMetric {
  readonly aggregator = 'sum' as const;
  protected readonly series = new Map<string, { labels: Record<string, string>; s: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  abstract readonly type: MetricType;
  protected abstract fresh(): S;
  protected abstract values(labels: Record<string, string>, s: S, out: MetricValue[]): void;

  /** The series for these label values, in labelNames order; callers keep it to skip this lookup. */
  with(...values: string[]): S {
    const key = values.join(KEY_SEPARATOR);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: labelObject(this.labelNames, values), s: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.s;
  }

  /** Drops every series (scrape-time families refill themselves). */
  clear(): void {
    this.series.clear();
  }

  get size(): number {
    return this.series.size;
  }

  /** Runs before each scrape, for families whose values are read from elsewhere. */
  protected refresh(): void | Promise<void> {}

  async get() {
    await this.refresh();
    const values: MetricValue[] = [];
    for (const { labels, s } of this.series.values()) this.values(labels, s, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface CounterSeries {
  value: number;
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter' as const;
  protected fresh(): CounterSeries {
    return { value: 0 };
  }
  protected values(labels: Record<string, string>, s: CounterSeries, out: MetricValue[]): void {
    out.push({ labels, value: s.value });
  }
}

export interface GaugeSeries {
  value: number;
}

export class GaugeFamily extends Family<GaugeSeries> {
  readonly type = 'gauge' as const;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly onScrape?: (g: GaugeFamily) => void | Promise<void>,
  ) {
    super(name, help, labelNames);
  }

  protected fresh(): GaugeSeries {
    return { value: 0 };
  }
  protected override refresh(): void | Promise<void> {
    return this.onScrape?.(this);
  }
  protected values(labels: Record<string, string>, s: GaugeSeries, out: MetricValue[]): void {
    out.push({ labels, value: s.value });
  }
}

/** A counter whose values are read at scrape time from counts kept elsewhere. */
export class ScrapedCounterFamily extends CounterFamily {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly onScrape: (c: ScrapedCounterFamily) => void,
  ) {
    super(name, help, labelNames);
  }
  protected override refresh(): void {
    this.onScrape(this);
  }
}

export interface HistogramSeries {
  /** Non-cumulative counts per bucket; the last is the +Inf bucket. */
  readonly counts: number[];
  sum: number;
  count: number;
  observe(v: number): void;
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram' as const;
  private readonly leLabels: string[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    this.leLabels = [...buckets.map(goFloat), '+Inf'];
  }

  protected fresh(): HistogramSeries {
    const bounds = this.buckets;
    const s: HistogramSeries = {
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(v: number) {
        let i = 0;
        while (i < bounds.length && v > bounds[i]) i++;
        s.counts[i]++;
        s.sum += v;
        s.count++;
      },
    };
    return s;
  }

  protected values(labels: Record<string, string>, s: HistogramSeries, out: MetricValue[]): void {
    histogramValues(this.name, this.leLabels, labels, s, out);
  }
}

/** A histogram's samples: cumulative buckets, then _sum and _count. */
function histogramValues(
  name: string,
  leLabels: readonly string[],
  labels: Record<string, string>,
  s: { counts: readonly number[]; sum: number; count: number },
  out: MetricValue[],
): void {
  let cumulative = 0;
  for (let i = 0; i < leLabels.length; i++) {
    cumulative += s.counts[i];
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: leLabels[i] }, value: cumulative });
  }
  out.push({ metricName: `${name}_sum`, labels, value: s.sum });
  out.push({ metricName: `${name}_count`, labels, value: s.count });
}

export interface TimingRatioSeries {
  /** The numerator changed (the ratio is numerator / denominator); nowMs saves a clock read. */
  set(numerator: number, nowMs?: number): void;
  setDenominator(denominator: number): void;
}

interface TimingState extends TimingRatioSeries {
  readonly counts: number[];
  sum: number;
  count: number;
  /** books the time since the last change under the present value */
  catchUp(nowMs?: number): void;
}

/**
 * component-base's TimingRatioHistogram: a histogram of how long (seconds) a
 * ratio spent at each value, so _count is the time observed and each bucket
 * the time at or below its bound; _sum is the ratio's time integral.
 */
export class TimingRatioHistogramFamily extends Family<TimingState> {
  readonly type = 'histogram' as const;
  private readonly leLabels: string[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    super(name, help, labelNames);
    this.leLabels = [...buckets.map(goFloat), '+Inf'];
  }

  protected fresh(): TimingState {
    const bounds = this.buckets;
    const now = this.nowMs;
    let numerator = 0;
    let denominator = 1;
    let since = now();
    const s: TimingState = {
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      catchUp(t = now()) {
        const dt = (t - since) / 1000;
        since = t;
        if (dt <= 0) return;
        const ratio = numerator / denominator;
        let i = 0;
        while (i < bounds.length && ratio > bounds[i]) i++;
        s.counts[i] += dt;
        s.sum += ratio * dt;
        s.count += dt;
      },
      set(n: number, nowMs?: number) {
        if (n === numerator) return;
        s.catchUp(nowMs);
        numerator = n;
      },
      setDenominator(d: number) {
        if (d === denominator) return;
        s.catchUp();
        denominator = d;
      },
    };
    return s;
  }

  protected override refresh(): void {
    for (const { s } of this.series.values()) s.catchUp();
  }

  protected values(labels: Record<string, string>, s: TimingState, out: MetricValue[]): void {
    histogramValues(this.name, this.leLabels, labels, s, out);
  }
}

/** prometheus.ExponentialBuckets. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) out.push(v);
  return out;
}
