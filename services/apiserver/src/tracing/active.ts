import { AsyncLocalStorage } from 'node:async_hooks';
import {
  SpanKind,
  SpanStatusCode,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';

/**
 * The trace a request belongs to: its replica's tracer (replicas in one process
 * each have their own provider, so no global one is consulted) and the span
 * that is current. It travels with the request's async calls.
 */
export interface ActiveTrace {
  tracer: Tracer;
  propagator: TextMapPropagator;
  context: Context;
}

const current = new AsyncLocalStorage<ActiveTrace>();

/** Replicas in this process that trace; while 0, every span helper returns at once. */
let tracingReplicas = 0;

export function tracingReplicaStarted(): void {
  tracingReplicas++;
}

export function tracingReplicaStopped(): void {
  tracingReplicas = Math.max(0, tracingReplicas - 1);
}

export function activeTrace(): ActiveTrace | undefined {
  return tracingReplicas === 0 ? undefined : current.getStore();
}

/** Runs fn with span as the current span of the given trace. */
export function runInSpan<T>(active: ActiveTrace, span: Span, fn: () => T): T {
  return current.run({ ...active, context: trace.setSpan(active.context, span) }, fn);
}

function endWithError(span: Span, e: unknown): void {
  span.recordException(e instanceof Error ? e : String(e));
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/**
 * A child span around an async call when the request is traced; the call
 * alone otherwise, not even wrapped in another promise.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const active = activeTrace();
  if (!active) return fn();
  return spanned(active, name, attributes, fn);
}

async function spanned<T>(active: ActiveTrace, name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  const span = active.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, active.context);
  try {
    return await runInSpan(active, span, fn);
  } catch (e) {
    endWithError(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** inSpan for a synchronous call (the authorizer answers at once). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: () => T): T {
  const active = activeTrace();
  if (!active) return fn();
  const span = active.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, active.context);
  try {
    return runInSpan(active, span, fn);
  } catch (e) {
    endWithError(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/**
 * The W3C traceparent (and tracestate) headers for an outgoing call made for
 * the current request: webhooks and aggregated servers continue its trace.
 */
export function traceHeaders(): Record<string, string> {
  const active = activeTrace();
  if (!active) return {};
  const headers: Record<string, string> = {};
  active.propagator.inject(active.context, headers, defaultTextMapSetter);
  return headers;
}
