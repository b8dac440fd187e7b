import type { AuditBackend, AuditEvent } from './types';
import { levelAtLeast } from './types';
import { logError } from '../logging/line-log';

const TRUNCATED_ANNOTATION = 'audit.k8s.io/truncated';

function sizeOf(ev: AuditEvent): number {
  return Buffer.byteLength(JSON.stringify(ev));
}

/**
 * Upstream's truncating backend: an event over the size loses its request and
 * response objects (and says so in an annotation); one still too large is dropped.
 */
export class TruncatingBackend implements AuditBackend {
  private dropped = 0;

  constructor(
    private readonly delegate: AuditBackend,
    private readonly maxEventSize: number,
    private readonly log: (line: string) => void,
  ) {}

  processEvents(events: AuditEvent[]): void {
    const kept: AuditEvent[] = [];
    for (const ev of events) {
      let out = ev;
      if (sizeOf(out) > this.maxEventSize && levelAtLeast(out.level, 'Request')) {
        out = { ...ev, annotations: { ...(ev.annotations ?? {}), [TRUNCATED_ANNOTATION]: 'true' } };
        delete out.requestObject;
        delete out.responseObject;
      }
      if (sizeOf(out) > this.maxEventSize) {
        if (this.dropped++ % 100 === 0)
          logError(this.log, 'kapi: audit event is too large even after truncation; dropped');
        continue;
      }
      kept.push(out);
    }
    if (kept.length > 0) this.delegate.processEvents(kept);
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}

/** Splits a batch so that no part is over maxBytes of serialized events (a single event always goes). */
export function splitBySize(events: AuditEvent[], maxBytes: number): AuditEvent[][] {
  const out: AuditEvent[][] = [];
  let batch: AuditEvent[] = [];
  let size = 0;
  for (const ev of events) {
    const n = sizeOf(ev);
    if (batch.length > 0 && size + n > maxBytes) {
      out.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(ev);
    size += n;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
