// The per-thread state of one VU: its synchronous HTTP channel, its tags and its buffered metrics.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { CheckTally, HttpRequestSpec, HttpResult, Sample, Tags, WorkerEvent } from './protocol';

export interface VuContext {
  vu: number;
  iter: number;
  initContext: boolean;
  group: string;
  tags: Tags;
  samples: Sample[];
  checks: Map<string, CheckTally>;
  emit(event: WorkerEvent): void;
  httpSync(requests: HttpRequestSpec[]): HttpResult[];
}

let current: VuContext | null = null;

export function vuContext(): VuContext {
  if (!current) throw new Error('k6 modules are only usable inside the k6 runtime');
  return current;
}

export function installVuContext(ctx: VuContext): void {
  current = ctx;
}

/**
 * k6's HTTP calls block the VU. A worker asks the main thread to send the requests, then parks on a
 * shared int until the main thread has posted the answer on the port and flipped the int.
 */
export function makeHttpSync(
  port: MessagePort,
  signal: SharedArrayBuffer,
): (requests: HttpRequestSpec[]) => HttpResult[] {
  const flag = new Int32Array(signal);
  return (requests) => {
    Atomics.store(flag, 0, 0);
    port.postMessage(requests);
    for (;;) {
      Atomics.wait(flag, 0, 0, 1000);
      const got = receiveMessageOnPort(port);
      if (got) return got.message as HttpResult[];
    }
  };
}

export function recordSample(sample: Omit<Sample, 'tags'> & { tags?: Tags }): void {
  const ctx = vuContext();
  ctx.samples.push({ ...sample, tags: { ...baseTags(ctx), ...(sample.tags ?? {}) } });
  if (ctx.samples.length >= 500) flushSamples();
}

export function baseTags(ctx: VuContext): Tags {
  return { ...ctx.tags, group: ctx.group };
}

export function flushSamples(): void {
  const ctx = vuContext();
  if (ctx.samples.length > 0) ctx.emit({ kind: 'samples', samples: ctx.samples.splice(0) });
  if (ctx.checks.size > 0) {
    ctx.emit({ kind: 'checks', checks: [...ctx.checks.values()] });
    ctx.checks.clear();
  }
}
