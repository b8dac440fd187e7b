import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';

/** Kubernetes MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function microTimeNow(): string {
  const nowUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const ms = Math.floor(nowUs / 1000);
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const micros = String(nowUs % 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

/** Kubernetes Time: RFC 3339 in UTC, whole seconds. */
export { timeNow } from '../api/time';

/** Milliseconds since the epoch of a Time/MicroTime string; NaN when absent or malformed. */
export function parseTime(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

export function isStatus(e: unknown, code: number): boolean {
  return e instanceof StatusError && e.code === code;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Rejects with a timeout error when p does not settle within ms. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), Math.max(0, ms));
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export function specOf(obj: KubeObject): Record<string, unknown> {
  const spec = obj.spec;
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
}

/** A controller that runs only while this replica leads; start() is called on every acquisition. */
export interface LeaderController {
  readonly name: string;
  /** Starts work; everything it does must stop once signal aborts. */
  start(signal: AbortSignal): void;
  /** Resolves when in-flight work has ended (after the signal aborted). */
  stopped(): Promise<void>;
}
