import type { AuditOptions } from '../options';
import type { SchemaSet } from '../schema/model';
import { LogBackend } from './log-backend';
import { loadPolicyFile, PolicyEvaluator } from './policy';
import type { AuditBackend, AuditEvent } from './types';
import { TruncatingBackend } from './truncate';
import { WebhookBackend } from './webhook-backend';
import { loadWebhookKubeconfig } from './webhook-kubeconfig';

/** What the audit filter needs: the policy, where events go, and the schemas to read protobuf bodies with. */
export interface Auditing {
  evaluator: PolicyEvaluator;
  backend: AuditBackend;
  schemas: SchemaSet;
}

class UnionBackend implements AuditBackend {
  constructor(private readonly backends: AuditBackend[]) {}
  processEvents(events: AuditEvent[]): void {
    for (const b of this.backends) b.processEvents(events);
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.shutdown()));
  }
}

/**
 * Upstream's AuditOptions.ApplyTo: no policy or no backend means no auditing.
 * A policy that does not load stops the replica from starting (the error says why).
 */
/** Counts what reaches the backends (apiserver_audit_event_total and _level_total), then hands it on. */
class ObservedBackend implements AuditBackend {
  constructor(
    private readonly inner: AuditBackend,
    private readonly observe: (level: string) => void,
  ) {}

  processEvents(events: AuditEvent[]): void {
    for (const e of events) this.observe(e.level);
    this.inner.processEvents(events);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export function buildAuditing(
  opts: AuditOptions,
  schemas: SchemaSet,
  log: (line: string) => void,
  observe?: (level: string) => void,
): Auditing | undefined {
  if (!opts.policyFile) {
    if (opts.logPath || opts.webhookConfigFile) log('kapi: no audit policy file given; auditing is disabled');
    return undefined;
  }
  const evaluator = new PolicyEvaluator(loadPolicyFile(opts.policyFile));
  const backends: AuditBackend[] = [];
  const truncated = (b: AuditBackend, t: AuditOptions['logTruncate']): AuditBackend =>
    t.enabled ? new TruncatingBackend(b, t.maxEventSize, log) : b;
  if (opts.logPath) {
    backends.push(
      truncated(
        new LogBackend({
          path: opts.logPath,
          maxSizeMB: opts.logMaxSizeMB,
          maxBackups: opts.logMaxBackups,
          maxAgeDays: opts.logMaxAgeDays,
          format: opts.logFormat,
          compress: opts.logCompress,
          bufferSize: opts.logMode === 'batch' ? opts.logBatchBufferSize : undefined,
          log,
        }),
        opts.logTruncate,
      ),
    );
  }
  if (opts.webhookConfigFile) {
    const batch = opts.webhookMode === 'batch';
    backends.push(
      truncated(
        new WebhookBackend({
          target: loadWebhookKubeconfig(opts.webhookConfigFile),
          initialBackoffMs: opts.webhookInitialBackoffMs,
          bufferSize: opts.webhookBatchBufferSize,
          // the blocking modes send each event on its own (still off the request path)
          maxBatchSize: batch ? opts.webhookBatchMaxSize : 1,
          maxBatchWaitMs: batch ? opts.webhookBatchMaxWaitMs : 0,
          throttle: batch && opts.webhookBatchThrottle.enabled ? opts.webhookBatchThrottle : undefined,
          maxBatchBytes: opts.webhookTruncate.enabled ? opts.webhookTruncate.maxBatchSize : undefined,
          log,
        }),
        opts.webhookTruncate,
      ),
    );
  }
  if (backends.length === 0) return undefined;
  const backend = backends.length === 1 ? backends[0] : new UnionBackend(backends);
  return { evaluator, backend: observe ? new ObservedBackend(backend, observe) : backend, schemas };
}
