import http from 'node:http';
import https from 'node:https';
import { TokenBucket } from './throttle';
import { splitBySize } from './truncate';
import type { WebhookTarget } from './webhook-kubeconfig';
import type { AuditBackend, AuditEvent } from './types';
import { logError } from '../logging/line-log';

export interface WebhookBackendOptions {
  target: WebhookTarget;
  /** --audit-webhook-initial-backoff */
  initialBackoffMs: number;
  /** --audit-webhook-batch-buffer-size: events past it are dropped, never waited for */
  bufferSize: number;
  /** --audit-webhook-batch-max-size */
  maxBatchSize: number;
  /** --audit-webhook-batch-max-wait */
  maxBatchWaitMs: number;
  /** with truncation on: a batch is split so that none is over this many bytes */
  maxBatchBytes?: number;
  /** --audit-webhook-batch-throttle-*: batches a second, and how many may go at once */
  throttle?: { qps: number; burst: number };
  log: (line: string) => void;
}

/** upstream's webhook backoff: 1.5x per retry, 5 attempts in all */
const BACKOFF_FACTOR = 1.5;
const ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 30_000;

class RetryableError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Upstream's buffered webhook backend: events collect in a bounded buffer and
 * leave as audit.k8s.io/v1 EventList batches (max size or max wait, whichever
 * comes first), each POSTed with retries on a backoff. Requests never wait on it.
 */
export class WebhookBackend implements AuditBackend {
  private buffer: AuditEvent[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private dropped = 0;
  private readonly agent: http.Agent;
  private readonly bucket?: TokenBucket;

  constructor(private readonly opts: WebhookBackendOptions) {
    if (opts.throttle) this.bucket = new TokenBucket(opts.throttle.qps, opts.throttle.burst);
    const t = opts.target;
    this.agent =
      t.url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            rejectUnauthorized: !t.insecureSkipTLSVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  processEvents(events: AuditEvent[]): void {
    if (this.stopped) return;
    for (const ev of events) {
      if (this.buffer.length >= this.opts.bufferSize) {
        if (this.dropped++ % 1000 === 0) logError(this.opts.log, 'kapi: audit webhook buffer is full; dropping events');
        continue;
      }
      this.buffer.push(ev);
    }
    if (this.buffer.length >= this.opts.maxBatchSize) this.sendBatch();
    else if (!this.timer && this.buffer.length > 0) {
      this.timer = setTimeout(() => this.sendBatch(), this.opts.maxBatchWaitMs);
      this.timer.unref();
    }
  }

  private sendBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.opts.maxBatchSize);
      const parts = this.opts.maxBatchBytes ? splitBySize(batch, this.opts.maxBatchBytes) : [batch];
      for (const part of parts) {
        const p = this.deliver(part).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
  }

  private async deliver(batch: AuditEvent[]): Promise<void> {
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: batch });
    if (this.bucket && !this.stopped) await this.bucket.take();
    let wait = this.opts.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (e) {
        if (!(e instanceof RetryableError) || attempt >= ATTEMPTS || this.stopped) {
          logError(this.opts.log, `kapi: audit webhook dropped a batch of ${batch.length} events: ${String(e)}`);
          return;
        }
      }
      await sleep(wait);
      wait *= BACKOFF_FACTOR;
    }
  }

  private post(body: string): Promise<void> {
    const t = this.opts.target;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    };
    if (t.token) headers.authorization = `Bearer ${t.token}`;
    const request = t.url.protocol === 'https:' ? https.request : http.request;
    return new Promise<void>((resolve, reject) => {
      const req = request(t.url, { method: 'POST', headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.resume();
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve();
          else if (code === 429 || code >= 500) reject(new RetryableError(`the webhook answered ${code}`));
          else reject(new Error(`the webhook answered ${code}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => reject(new RetryableError(e.message)));
      req.end(body);
    });
  }

  async shutdown(): Promise<void> {
    this.sendBatch();
    this.stopped = true;
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
  }
}
