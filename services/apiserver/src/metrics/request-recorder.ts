import { performance } from 'node:perf_hooks';
import type { ApiResponse, ChunkedResponse, StreamingResponse, StreamSink } from '../endpoints/types';
import type { Filter } from '../server/filters/types';
import { requestInfoOf } from '../server/filters/types';
import type { ReplicaMetrics } from './replica-metrics';
import { isLongRunning, requestKind, requestLabels, type RequestLabels, type ResourceLookup } from './request-labels';
import type { CounterSeries, GaugeSeries, HistogramSeries } from './series';

/** One label set's series, found once and then only bumped. */
interface RequestSeries {
  labels: RequestLabels;
  duration: HistogramSeries;
  /** only reads (GET, LIST) record response sizes */
  sizes?: HistogramSeries;
  longRunning?: GaugeSeries;
  byCode: Map<number, CounterSeries>;
  watchEvents?: { count: CounterSeries; sizes: HistogramSeries };
}

/** Label sets are bounded by what is served; this only guards against a bug making them unbounded. */
const MAX_CACHED_LABEL_SETS = 10_000;
const WINDOW_MS = 1000;

/** In-flight counts with the high-water mark of the last second, which is what upstream's gauge reports. */
class InflightWatermark {
  current = 0;
  private windowMax = 0;
  private lastWindowMax = 0;
  private windowStart = 0;

  private roll(now: number): void {
    if (now - this.windowStart < WINDOW_MS) return;
    this.lastWindowMax = now - this.windowStart < 2 * WINDOW_MS ? this.windowMax : this.current;
    this.windowMax = this.current;
    this.windowStart = now;
  }

  inc(now: number): void {
    this.current++;
    this.roll(now);
    if (this.current > this.windowMax) this.windowMax = this.current;
  }

  dec(): void {
    this.current--;
  }

  read(now: number): number {
    this.roll(now);
    return Math.max(this.windowMax, this.lastWindowMax, this.current);
  }
}

/**
 * Records apiserver_request_*, in-flight and long-running gauges and watch
 * event counts for every request that passes its filter.
 */
export class RequestRecorder {
  /** owner, then verb, then scope, then `subresource dry_run`: lookups of constants, no label string built per request. */
  private readonly cache = new Map<object, Map<string, Map<string, Map<string, RequestSeries>>>>();
  private cached = 0;
  private readonly inflight = { readOnly: new InflightWatermark(), mutating: new InflightWatermark() };

  constructor(
    private readonly metrics: ReplicaMetrics,
    private readonly lookup: ResourceLookup,
  ) {
    metrics.onInflightScrape = () => {
      const now = performance.now();
      metrics.currentInflight.with('readOnly').value = this.inflight.readOnly.read(now);
      metrics.currentInflight.with('mutating').value = this.inflight.mutating.read(now);
    };
  }

  private seriesFor(l: RequestLabels, wantsWatchEvents: boolean): RequestSeries {
    let byVerb = this.cache.get(l.owner);
    if (!byVerb) this.cache.set(l.owner, (byVerb = new Map()));
    let byScope = byVerb.get(l.verb);
    if (!byScope) byVerb.set(l.verb, (byScope = new Map()));
    let byRest = byScope.get(l.scope);
    if (!byRest) byScope.set(l.scope, (byRest = new Map()));
    const rest = l.subresource === '' && l.dryRun === '' ? '' : `${l.subresource} ${l.dryRun}`;
    const hit = byRest.get(rest);
    if (hit) return hit;
    if (++this.cached > MAX_CACHED_LABEL_SETS) {
      this.cache.clear();
      this.cached = 0;
    }
    const s = this.newSeries(l, wantsWatchEvents);
    byRest.set(rest, s);
    return s;
  }

  private newSeries(l: RequestLabels, wantsWatchEvents: boolean): RequestSeries {
    const m = this.metrics;
    const base = [l.verb, l.dryRun, l.group, l.version, l.resource, l.subresource, l.scope, l.component];
    const gvr = [l.verb, l.group, l.version, l.resource, l.subresource, l.scope, l.component];
    const s: RequestSeries = {
      labels: l,
      duration: m.requestDuration.with(...base),
      byCode: new Map(),
    };
    if (l.verb === 'GET' || l.verb === 'LIST') s.sizes = m.responseSizes.with(...gvr);
    if (isLongRunning(l)) s.longRunning = m.longRunning.with(...gvr);
    const kind = wantsWatchEvents ? this.lookup(l.group, l.version, l.resource)?.kind : undefined;
    if (kind !== undefined) {
      s.watchEvents = {
        count: m.watchEvents.with(l.group, l.version, kind),
        sizes: m.watchEventSizes.with(l.group, l.version, kind),
      };
    }
    return s;
  }

  private record(s: RequestSeries, code: number, seconds: number, size: number | undefined): void {
    let counter = s.byCode.get(code);
    if (!counter) {
      const l = s.labels;
      counter = this.metrics.requestTotal.with(
        l.verb,
        l.dryRun,
        l.group,
        l.version,
        l.resource,
        l.subresource,
        l.scope,
        l.component,
        String(code),
      );
      s.byCode.set(code, counter);
    }
    counter.value++;
    s.duration.observe(seconds);
    if (s.sizes && size !== undefined) s.sizes.observe(size);
  }

  /** The filter: runs right after request info is known, so refusals (401, 403) are counted too. */
  filter(): Filter {
    return (next) => async (ctx) => {
      const start = performance.now();
      const info = requestInfoOf(ctx);
      const labels = requestLabels(ctx.req, info, this.lookup);
      if (!labels) return next(ctx);
      const longRunning = isLongRunning(labels);
      const s = this.seriesFor(labels, labels.verb === 'WATCH');
      const gauge = longRunning ? undefined : this.inflight[requestKind(info)];
      gauge?.inc(start);
      let res: ApiResponse;
      try {
        res = await next(ctx);
      } catch (e) {
        gauge?.dec();
        this.record(s, 500, (performance.now() - start) / 1000, undefined);
        throw e;
      }
      gauge?.dec();
      if (res.kind === 'stream') return this.instrumentStream(res, s, start);
      if (res.kind === 'chunked') return this.instrumentChunked(res, s, start);
      this.record(s, res.status, (performance.now() - start) / 1000, res.kind === 'buffered' ? res.body.length : 0);
      return res;
    };
  }

  /** A list written in chunks is counted once its last chunk is taken (or the writer stops early), with the bytes taken. */
  private instrumentChunked(res: ChunkedResponse, s: RequestSeries, start: number): ChunkedResponse {
    return {
      ...res,
      chunks: () => {
        const inner = res.chunks();
        let size = 0;
        let recorded = false;
        const finish = (): void => {
          if (recorded) return;
          recorded = true;
          this.record(s, res.status, (performance.now() - start) / 1000, size);
        };
        return {
          next: () => {
            const r = inner.next();
            if (r.done) finish();
            else size += r.value.length;
            return r;
          },
          return: (value?: unknown) => {
            finish();
            return inner.return ? inner.return(value) : { done: true as const, value: undefined };
          },
        };
      },
    };
  }

  /** A stream is counted when it ends, its whole lifetime as its duration, as upstream counts a watch. */
  private instrumentStream(res: StreamingResponse, s: RequestSeries, start: number): StreamingResponse {
    const watchEvents = s.watchEvents;
    return {
      ...res,
      start: (sink: StreamSink) => {
        if (s.longRunning) s.longRunning.value++;
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          if (s.longRunning) s.longRunning.value--;
          this.record(s, res.status, (performance.now() - start) / 1000, undefined);
        };
        sink.onClose(finish);
        res.start({
          write: (chunk) => {
            if (watchEvents) {
              watchEvents.count.value++;
              watchEvents.sizes.observe(chunk.length);
            }
            return sink.write(chunk);
          },
          drained: (timeoutMs) => sink.drained(timeoutMs),
          end: () => {
            sink.end();
            finish();
          },
          abort: () => {
            sink.abort();
            finish();
          },
          onClose: (cb) => sink.onClose(cb),
        });
      },
    };
  }
}
