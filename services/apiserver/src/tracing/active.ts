import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Context, Span } from '@opentelemetry/api';

/**
 * What a request's spans are made with: its replica's own tracer and
 * propagator (replicas in one process each have their own provider, so no
 * global one is consulted). Implemented by ./provider, which alone loads the
 * OpenTelemetry packages: a replica that does not trace never loads them.
 */
export interface SpanFactory {
  /** a span with kind INTERNAL (SERVER when server is set), child of parent's span when it has one */
  start(name: string, attributes: Attributes, parent: Context, server?: boolean): Span;
  /** parent with span as its current span */
  withSpan(parent: Context, span: Span): Context;
  /** the trace context the W3C traceparent (and tracestate, baggage) headers name; empty without them */
  extract(headers: Record<string, string | undefined>): Context;
  /** adds the traceparent (and tracestate) headers for ctx's span to headers */
  inject(ctx: Context, headers: Record<string, string>): void;
  /** marks span failed (with the error, when there is one) */
  fail(span: Span, e?: unknown): void;
}

/** The trace a request belongs to and its current span; it travels with the request's async calls. */
export interface ActiveTrace {
  spans: SpanFactory;
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

/** Runs fn with span as the current span of the trace. */
export function runInSpan<T>(spans: SpanFactory, parent: Context, span: Span, fn: () => T): T {
  return current.run({ spans, context: spans.withSpan(parent, span) }, fn);
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
  const span = active.spans.start(name, attributes, active.context);
  try {
    return await runInSpan(active.spans, active.context, span, fn);
  } catch (e) {
    active.spans.fail(span, e);
    throw e;
  } finally {
    span.end();
  }
}

/** inSpan for a synchronous call (the authorizer answers at once). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: () => T): T {
  const active = activeTrace();
  if (!active) return fn();
  const span = active.spans.start(name, attributes, active.context);
  try {
    return runInSpan(active.spans, active.context, span, fn);
  } catch (e) {
    active.spans.fail(span, e);
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
  active.spans.inject(active.context, headers);
  return headers;
}
