// Turns k6 options (vus/duration/iterations shortcuts or scenarios) into executor plans.
import { parseDurationMs } from './duration';

export interface ScenarioOptions {
  executor: string;
  vus?: number;
  duration?: string;
  iterations?: number;
  maxDuration?: string;
  startTime?: string;
  gracefulStop?: string;
  exec?: string;
  env?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface K6Options {
  vus?: number;
  duration?: string;
  iterations?: number;
  scenarios?: Record<string, ScenarioOptions>;
  thresholds?: Record<string, Array<string | { threshold: string; abortOnFail?: boolean }>>;
  insecureSkipTLSVerify?: boolean;
  tlsAuth?: Array<{ domains?: string[]; cert: string; key: string }>;
  setupTimeout?: string;
  teardownTimeout?: string;
}

export interface ScenarioPlan {
  name: string;
  executor: 'constant-vus' | 'per-vu-iterations' | 'shared-iterations';
  vus: number;
  durationMs: number;
  iterations: number;
  startMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
  gracefulStopMs: number;
}

const SUPPORTED = ['constant-vus', 'per-vu-iterations', 'shared-iterations'] as const;

export function planScenarios(o: K6Options): ScenarioPlan[] {
  const scenarios: Record<string, ScenarioOptions> = o.scenarios ?? {
    default: o.duration
      ? { executor: 'constant-vus', vus: o.vus ?? 1, duration: o.duration }
      : { executor: 'shared-iterations', vus: o.vus ?? 1, iterations: o.iterations ?? 1 },
  };
  return Object.entries(scenarios).map(([name, s]) => {
    const executor = SUPPORTED.find((e) => e === s.executor);
    if (!executor) throw new Error(`scenario ${name}: executor "${s.executor}" is not supported by this runtime`);
    const vus = s.vus ?? 1;
    const iterations = s.iterations ?? 1;
    if (executor === 'shared-iterations' && iterations < vus) {
      throw new Error(
        `scenario ${name}: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`,
      );
    }
    return {
      name,
      executor,
      vus,
      durationMs:
        executor === 'constant-vus' ? parseDurationMs(s.duration, NaN) : parseDurationMs(s.maxDuration, 600_000),
      iterations,
      startMs: parseDurationMs(s.startTime, 0),
      exec: s.exec ?? 'default',
      env: s.env ?? {},
      tags: s.tags ?? {},
      gracefulStopMs: parseDurationMs(s.gracefulStop, 30_000),
    };
  });
}

export function describePlan(p: ScenarioPlan): string {
  const grace = `(gracefulStop: ${p.gracefulStopMs / 1000}s)`;
  const exec = p.exec === 'default' ? '' : `, exec: ${p.exec}`;
  if (p.executor === 'constant-vus')
    return `* ${p.name}: ${p.vus} looping VUs for ${p.durationMs / 1000}s ${grace}${exec}`;
  if (p.executor === 'per-vu-iterations') {
    return `* ${p.name}: ${p.iterations} iterations for each of ${p.vus} VUs (maxDuration: ${p.durationMs / 1000}s, ${grace.slice(1)}${exec}`;
  }
  return `* ${p.name}: ${p.iterations} iterations shared among ${p.vus} VUs (maxDuration: ${p.durationMs / 1000}s, ${grace.slice(1)}${exec}`;
}
