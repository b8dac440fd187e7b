import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT } from './replica';

/** A span as the receiver got it: ids in hex, attribute values flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span */
  parentSpanId: string;
  name: string;
  kind: string;
  attributes: Record<string, string | number | boolean>;
  /** the exporting process's resource attributes (service.name...) */
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** host:port, as a TracingConfiguration endpoint */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Export calls received (each carries one batch of spans). */
  exports: number;
  /** Resolves once pred holds for the spans received, or rejects after timeoutMs. */
  waitFor(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const PROTO_ROOT = path.join(REPO_ROOT, 'services/apiserver/test/helpers/otlp');

interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  value?: string;
}
interface WireKeyValue {
  key: string;
  value?: WireAnyValue;
}
interface WireSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer;
  name: string;
  kind: string;
  attributes: WireKeyValue[];
}
interface WireRequest {
  resourceSpans: { resource?: { attributes: WireKeyValue[] }; scopeSpans: { spans: WireSpan[] }[] }[];
}
type ServiceCtor = grpc.ServiceClientConstructor & { service: grpc.ServiceDefinition };

function flatten(kvs: WireKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of kvs ?? []) {
    const v = kv.value;
    if (!v) continue;
    if (v.stringValue !== undefined) out[kv.key] = v.stringValue;
    else if (v.boolValue !== undefined) out[kv.key] = v.boolValue;
    else if (v.intValue !== undefined) out[kv.key] = Number(v.intValue);
    else if (v.doubleValue !== undefined) out[kv.key] = v.doubleValue;
  }
  return out;
}

/** An OTLP/gRPC trace collector on a free loopback port that keeps what it is sent. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const definition = protoLoader.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: ServiceCtor } } } } };
  };
  const service = loaded.opentelemetry.proto.collector.trace.v1.TraceService.service;
  const spans: ReceivedSpan[] = [];
  const receiver = { exports: 0 };
  const waiters = new Set<() => void>();
  const server = new grpc.Server();
  server.addService(service, {
    Export: (call: grpc.ServerUnaryCall<WireRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      receiver.exports++;
      for (const rs of call.request.resourceSpans) {
        const resource = flatten(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              traceId: s.traceId.toString('hex'),
              spanId: s.spanId.toString('hex'),
              parentSpanId: s.parentSpanId.toString('hex'),
              name: s.name,
              kind: s.kind,
              attributes: flatten(s.attributes),
              resource,
            });
          }
        }
      }
      callback(null, {});
      for (const w of waiters) w();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    spans,
    get exports() {
      return receiver.exports;
    },
    waitFor: (pred, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pred(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`spans expected did not arrive; got: ${spans.map((s) => s.name).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // an exporter's idle channel would hold a graceful shutdown open
        setTimeout(() => server.forceShutdown(), 500).unref();
      }),
  };
}
