// The "k6/metrics" module: custom Counter, Gauge, Rate and Trend metrics.
import type { MetricType } from '../protocol';
import { recordSample } from '../vu-context';

class Metric {
  constructor(
    public readonly name: string,
    private readonly type: MetricType,
    private readonly isTime: boolean,
  ) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) throw new Error(`invalid metric name "${name}"`);
  }

  add(value: number | boolean, tags?: Record<string, string>): void {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
    recordSample({ metric: this.name, type: this.type, contains: this.isTime ? 'time' : 'default', value: v, tags });
  }
}

export class Counter extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'counter', isTime);
  }
}
export class Gauge extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'gauge', isTime);
  }
}
export class Rate extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'rate', isTime);
  }
}
export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime);
  }
}

export default { Counter, Gauge, Rate, Trend };
