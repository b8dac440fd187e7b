import { hostname } from 'node:os';
import { credentials } from '@grpc/grpc-js';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Span,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { TracingConfig } from './config';
import { tracingReplicaStarted, tracingReplicaStopped, type SpanFactory } from './active';

/** One replica's tracing: its own provider and exporter, never the process-global ones. */
export interface ReplicaTracing {
  spans: SpanFactory;
  /** Exports what is still batched, then closes the exporter. */
  shutdown(): Promise<void>;
}

/** How long a stopping replica waits for its last spans to reach the collector. */
const SHUTDOWN_FLUSH_MS = 2_000;

/** upstream's service name for kube-apiserver spans */
const SERVICE_NAME = 'apiserver';

/** The exporter's URL for a TracingConfiguration endpoint (a gRPC target). */
export function exporterUrl(endpoint: string): string {
  if (!endpoint.includes('//')) return `http://${endpoint}`;
  // dns://[authority]/host:port: the authority names a DNS server, which Node's resolver has no use for
  const dns = /^dns:\/\/[^/]*\/(.+)$/i.exec(endpoint);
  if (dns) return `http://${dns[1] ?? ''}`;
  return endpoint;
}

export function startReplicaTracing(config: TracingConfig, instanceId: string = hostname()): ReplicaTracing {
  const url = exporterUrl(config.endpoint);
  // upstream's exporter dials without TLS whatever the target; unix: targets need saying so
  const exporter = new OTLPTraceExporter({ url, credentials: credentials.createInsecure() });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_NAME, 'service.instance.id': instanceId }),
    // as upstream: a sampled parent is followed, and rate 0 samples nothing on its own
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(config.samplingRatePerMillion / 1_000_000),
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('k8s.io/apiserver');
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  const spans: SpanFactory = {
    start: (name, attributes, parent, server = false) =>
      tracer.startSpan(name, { kind: server ? SpanKind.SERVER : SpanKind.INTERNAL, attributes }, parent),
    withSpan: (parent, span) => trace.setSpan(parent, span),
    extract: (headers) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
    inject: (ctx, headers) => propagator.inject(ctx, headers, defaultTextMapSetter),
    fail: (span: Span, e?: unknown) => {
      if (e === undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        return;
      }
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
    },
  };
  tracingReplicaStarted();
  let stopped = false;
  return {
    spans,
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      tracingReplicaStopped();
      // a collector that is gone must not hold the replica's stop
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => undefined), giveUp]);
      clearTimeout(timer);
    },
  };
}
