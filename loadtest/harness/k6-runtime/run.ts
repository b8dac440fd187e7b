// `k6 run` for Node: the script's init, setup, VUs per scenario, teardown, thresholds and summary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import ts from 'typescript';
import { HttpHost } from './http-host';
import { describePlan, planScenarios, type K6Options, type ScenarioPlan } from './plan';
import type { CheckTally, HttpRequestSpec, Sample, VuPlan, WorkerEvent, WorkerJob } from './protocol';
import { Registry } from './sinks';
import { exitMessage, renderSummary } from './summary';
import { evaluateThresholds, validateThresholds, type ThresholdResult } from './thresholds';

export interface RunOptions {
  /** __ENV for the script: the process environment plus these (k6's -e). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  summary: string;
  thresholds: ThresholdResult[];
  registry: Registry;
  checks: CheckTally[];
  iterations: number;
  interrupted: number;
}

/** k6's exit code when a threshold is crossed. */
export const THRESHOLDS_FAILED = 99;
const SCRIPT_EXCEPTION = 107;

/** Transpiles the script and, following its relative imports, the local modules it uses (k6 needs their extensions). */
export function transpile(scriptPath: string, into: Record<string, string> = {}): Record<string, string> {
  if (into[scriptPath] !== undefined) return into;
  const source = readFileSync(scriptPath, 'utf8');
  const code = ts.transpileModule(source, {
    fileName: scriptPath,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: false },
  }).outputText;
  into[scriptPath] = code;
  for (const m of code.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
    transpile(path.resolve(path.dirname(scriptPath), m[1]), into);
  }
  return into;
}

class Runner {
  readonly registry = new Registry();
  readonly checks = new Map<string, CheckTally>();
  readonly host = new HttpHost((s) => this.addSamples(s));
  options: K6Options = {};
  setupData: string | null = null;
  iterations = 0;
  interrupted = 0;
  errors = 0;
  active = 0;

  constructor(
    readonly sources: Record<string, string>,
    readonly scriptPath: string,
    readonly env: Record<string, string>,
    readonly log: (line: string) => void,
  ) {}

  addSamples(samples: Sample[]): void {
    for (const s of samples) this.registry.add(s);
  }

  addChecks(list: CheckTally[]): void {
    for (const c of list) {
      const key = `${c.group}\u0000${c.name}`;
      const t = this.checks.get(key) ?? { group: c.group, name: c.name, passes: 0, fails: 0 };
      t.passes += c.passes;
      t.fails += c.fails;
      this.checks.set(key, t);
    }
  }

  /** Runs one worker to its end; resolves false when the script threw outside an iteration. */
  spawn(mode: WorkerJob['mode'], vu: number, scenario?: VuPlan): Promise<boolean> {
    const signal = new SharedArrayBuffer(4);
    const flag = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (msg: HttpRequestSpec[] | { options: K6Options }) => {
      if (!Array.isArray(msg)) {
        this.options = msg.options;
        this.host.configure(this.options);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
        return;
      }
      const specs = msg;
      void Promise.all(specs.map((s) => this.host.send(s))).then((results) => {
        port1.postMessage(results);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
    });
    const job: WorkerJob = {
      mode,
      sources: this.sources,
      scriptPath: this.scriptPath,
      env: this.env,
      vu,
      signal,
      port: port2,
      setupData: this.setupData,
      scenario,
    };
    const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: job, transferList: [port2] });
    let ok = true;
    return new Promise((resolve) => {
      worker.on('message', (e: WorkerEvent) => {
        if (e.kind === 'samples') this.addSamples(e.samples);
        else if (e.kind === 'checks') this.addChecks(e.checks);
        else if (e.kind === 'setupData') this.setupData = e.data;
        else if (e.kind === 'error') {
          this.errors++;
          // as k6, an exception ends the iteration and is logged; repeated ones would flood the output
          if (this.errors <= 10) this.log(`ERRO[${this.clock()}] ${e.message.split('\n')[0]}`);
          if (mode !== 'vu') ok = false;
        } else if (e.kind === 'done') {
          this.iterations += e.iterations;
          this.interrupted += mode === 'vu' ? e.interrupted : 0;
          if (mode !== 'vu' && e.interrupted > 0) ok = false;
        }
      });
      worker.on('error', (err) => {
        this.log(`ERRO[${this.clock()}] ${err.message}`);
        ok = false;
      });
      worker.on('exit', () => {
        port1.close();
        resolve(ok);
      });
    });
  }

  private started = Date.now();
  clock(): string {
    return String(Math.floor((Date.now() - this.started) / 1000)).padStart(4, '0');
  }

  async runScenarios(plans: ScenarioPlan[]): Promise<void> {
    const t0 = Date.now();
    let nextVu = 1;
    const vusMax = plans.reduce((n, p) => n + p.vus, 0);
    const all: Array<Promise<boolean>> = [];
    const gauge = (): void => {
      this.addSamples([
        { metric: 'vus', type: 'gauge', contains: 'default', value: this.active, tags: {} },
        { metric: 'vus_max', type: 'gauge', contains: 'default', value: vusMax, tags: {} },
      ]);
    };
    for (const p of plans) {
      let shared: SharedArrayBuffer | null = null;
      if (p.executor === 'shared-iterations') {
        shared = new SharedArrayBuffer(8);
        new Int32Array(shared)[1] = p.iterations;
      }
      for (let i = 0; i < p.vus; i++) {
        const plan: VuPlan = {
          name: p.name,
          exec: p.exec,
          executor: p.executor,
          deadline: t0 + p.startMs + p.durationMs,
          iterations: p.iterations,
          shared,
          startDelayMs: p.startMs,
          env: p.env,
          tags: p.tags,
        };
        this.active++;
        all.push(
          this.spawn('vu', nextVu++, plan).finally(() => {
            this.active--;
          }),
        );
      }
    }
    gauge();
    const ticker = setInterval(gauge, 1000);
    await Promise.all(all);
    clearInterval(ticker);
  }
}

export async function runK6(scriptPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const full = path.resolve(scriptPath);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, opts.env ?? {});
  const runner = new Runner(transpile(full), full, env, log);
  const fail = (code: number): RunResult => ({
    exitCode: code,
    summary: '',
    thresholds: [],
    registry: runner.registry,
    checks: [...runner.checks.values()],
    iterations: runner.iterations,
    interrupted: runner.interrupted,
  });

  // setup runs in its own VU, which also reports the options the init context exported
  const setupOk = await runner.spawn('setup', 0);
  if (!setupOk) {
    runner.host.close();
    return fail(SCRIPT_EXCEPTION);
  }
  const plans = planScenarios(runner.options);
  const thresholds = runner.options.thresholds ?? {};
  validateThresholds(thresholds);
  for (const name of Object.keys(thresholds)) runner.registry.watchSubMetric(name);
  const maxVus = plans.reduce((n, p) => n + p.vus, 0);
  const maxMs = Math.max(...plans.map((p) => p.startMs + p.durationMs + p.gracefulStopMs));
  log(`     script: ${path.relative(process.cwd(), full)}`);
  log(`     output: -\n`);
  log(
    `  scenarios: (100.00%) ${plans.length} scenario${plans.length === 1 ? '' : 's'}, ${maxVus} max VUs, ${maxMs / 1000}s max duration (incl. graceful stop):`,
  );
  for (const p of plans) log(`           ${describePlan(p)}`);
  log('');
  const start = Date.now();
  await runner.runScenarios(plans);
  const seconds = (Date.now() - start) / 1000;
  await runner.spawn('teardown', 0);
  runner.host.close();
  log(
    `\nrunning (${seconds.toFixed(1)}s), 00/${maxVus} VUs, ${runner.iterations} complete and ${runner.interrupted} interrupted iterations`,
  );

  const results = evaluateThresholds(thresholds, runner.registry);
  const checks = [...runner.checks.values()];
  const summary = renderSummary(runner.registry, checks, results, seconds);
  const crossed = exitMessage(results);
  if (crossed) log(`ERRO[${runner.clock()}] ${crossed}`);
  return {
    exitCode: crossed ? THRESHOLDS_FAILED : 0,
    summary,
    thresholds: results,
    registry: runner.registry,
    checks,
    iterations: runner.iterations,
    interrupted: runner.interrupted,
  };
}
