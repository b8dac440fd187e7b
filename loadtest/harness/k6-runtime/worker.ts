// One VU (or the setup/teardown VU): a worker thread that runs the script's functions synchronously.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { VuPlan, WorkerEvent, WorkerJob } from './protocol';
import { evaluateScript } from './script-module';
import { flushSamples, installVuContext, makeHttpSync, recordSample, type VuContext } from './vu-context';

const job = workerData as WorkerJob;
const emit = (event: WorkerEvent): void => parentPort?.postMessage(event);

const ctx: VuContext = {
  vu: job.vu,
  iter: 0,
  initContext: true,
  group: '',
  tags: {},
  samples: [],
  checks: new Map(),
  emit,
  httpSync: makeHttpSync(job.port as unknown as MessagePort, job.signal),
};
installVuContext(ctx);
const g = globalThis as Record<string, unknown>;
Object.defineProperty(g, '__VU', { get: () => ctx.vu });
Object.defineProperty(g, '__ITER', { get: () => ctx.iter });

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

function callExport(exports: Record<string, unknown>, name: string, arg: unknown): unknown {
  const fn = exports[name];
  if (typeof fn !== 'function') throw new Error(`function '${name}' not found in exports`);
  return (fn as (data: unknown) => unknown)(arg);
}

function runIterations(exports: Record<string, unknown>, plan: VuPlan, data: unknown): void {
  if (plan.startDelayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, plan.startDelayMs);
  ctx.tags = { ...plan.tags, scenario: plan.name };
  Object.assign(g.__ENV as Record<string, string>, plan.env);
  const shared = plan.shared ? new Int32Array(plan.shared) : null;
  let interrupted = 0;
  let done = 0;
  for (;;) {
    if (Date.now() >= plan.deadline) break;
    if (plan.executor === 'per-vu-iterations' && ctx.iter >= plan.iterations) break;
    if (shared && Atomics.add(shared, 0, 1) >= shared[1]) break;
    const start = performance.now();
    try {
      callExport(exports, plan.exec, data);
      done++;
    } catch (e) {
      interrupted++;
      emit({ kind: 'error', message: describe(e) });
    }
    ctx.group = '';
    recordSample({ metric: 'iteration_duration', type: 'trend', contains: 'time', value: performance.now() - start });
    recordSample({ metric: 'iterations', type: 'counter', contains: 'default', value: 1 });
    ctx.iter++;
  }
  flushSamples();
  emit({ kind: 'done', iterations: done, interrupted });
}

function main(): void {
  const env = { ...job.env };
  let exports: Record<string, unknown>;
  try {
    exports = evaluateScript(job.sources, job.scriptPath, env);
  } catch (e) {
    emit({ kind: 'error', message: describe(e) });
    emit({ kind: 'done', iterations: 0, interrupted: 0 });
    return;
  }
  ctx.initContext = false;
  const data: unknown = job.setupData === null ? undefined : JSON.parse(job.setupData);
  if (job.mode === 'vu' && job.scenario) {
    runIterations(exports, job.scenario, data);
    return;
  }
  // the options travel on the HTTP port and are acknowledged, so the main thread has them (and the TLS
  // settings) before setup's first request, and even when the worker ends right away
  if (job.mode === 'setup') {
    const flag = new Int32Array(job.signal);
    Atomics.store(flag, 0, 0);
    (job.port as unknown as MessagePort).postMessage({ options: JSON.parse(JSON.stringify(exports.options ?? {})) });
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000);
  }
  let result: unknown;
  try {
    const name = job.mode;
    ctx.tags = { scenario: '' };
    ctx.group = `::${name}`;
    if (typeof exports[name] === 'function') result = callExport(exports, name, data);
  } catch (e) {
    emit({ kind: 'error', message: `${job.mode}: ${describe(e)}` });
    flushSamples();
    emit({ kind: 'done', iterations: 0, interrupted: 1 });
    return;
  }
  flushSamples();
  if (job.mode === 'setup') emit({ kind: 'setupData', data: result === undefined ? null : JSON.stringify(result) });
  emit({ kind: 'done', iterations: 0, interrupted: 0 });
}

main();
