// k6 threshold expressions ("p(95)<500", "rate>0.99", "count>=10") evaluated against the sinks.
import { Sink, type Registry } from './sinks';

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  abortOnFail: boolean;
}

type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

const EXPR =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

function aggregate(sink: Sink, name: string, pct: string | undefined): number {
  switch (name) {
    case 'avg':
      return sink.avg;
    case 'min':
      return sink.count === 0 ? 0 : sink.min;
    case 'max':
      return sink.count === 0 ? 0 : sink.max;
    case 'med':
      return sink.percentile(0.5);
    case 'count':
      return sink.sum;
    case 'rate':
      return sink.rate;
    case 'value':
      return sink.last;
    default:
      return sink.percentile(Number(pct) / 100);
  }
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '!=':
      return a !== b;
    default:
      return a === b;
  }
}

/** Throws on an expression k6 would reject, so a typo fails the run up front as in k6. */
export function validateThresholds(thresholds: Record<string, ThresholdSpec[]>): void {
  for (const [metric, specs] of Object.entries(thresholds)) {
    for (const spec of specs) {
      const expr = typeof spec === 'string' ? spec : spec.threshold;
      if (!EXPR.test(expr)) throw new Error(`invalid threshold "${expr}" on metric '${metric}'`);
    }
  }
}

export function evaluateThresholds(thresholds: Record<string, ThresholdSpec[]>, registry: Registry): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, specs] of Object.entries(thresholds)) {
    const sink = registry.get(metric);
    for (const spec of specs) {
      const expression = typeof spec === 'string' ? spec : spec.threshold;
      const abortOnFail = typeof spec === 'string' ? false : Boolean(spec.abortOnFail);
      const m = EXPR.exec(expression);
      if (!m) throw new Error(`invalid threshold "${expression}"`);
      // as k6 (since v0.38), a metric without samples is evaluated too: zero values, and a NaN rate that fails
      const agg = m[1].startsWith('p(') ? 'p' : m[1];
      const ok = compare(aggregate(sink ?? new Sink('counter', 'default'), agg, m[2]), m[3], Number(m[4]));
      out.push({ metric, expression, ok, abortOnFail });
    }
  }
  return out;
}

export type { ThresholdSpec };
