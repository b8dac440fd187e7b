// Messages between the runtime's main thread and its VU worker threads.

export type Tags = Record<string, string>;

export interface Sample {
  metric: string;
  type: MetricType;
  contains: 'time' | 'data' | 'default';
  value: number;
  tags: Tags;
}

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface HttpRequestSpec {
  method: string;
  url: string;
  body: string | Uint8Array | null;
  headers: Record<string, string>;
  timeoutMs: number;
  tags: Tags;
  responseType: 'text' | 'binary' | 'none';
  /** Status ranges counted as expected (http_req_failed=0); null: no callback, no http_req_failed. */
  expected: Array<[number, number]> | null;
}

export interface HttpResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  error: string;
  errorCode: number;
  proto: string;
  timings: {
    blocked: number;
    connecting: number;
    sending: number;
    waiting: number;
    receiving: number;
    duration: number;
  };
  url: string;
}

/** What the main thread tells a worker to do. */
export interface WorkerJob {
  mode: 'setup' | 'vu' | 'teardown';
  sources: Record<string, string>;
  scriptPath: string;
  env: Record<string, string>;
  vu: number;
  /** Signalled by the main thread when an HTTP result is ready for this worker. */
  signal: SharedArrayBuffer;
  port: MessagePortLike;
  setupData: string | null;
  scenario?: VuPlan;
}

/** Only what we need of worker_threads.MessagePort, so this file stays free of node imports. */
export interface MessagePortLike {
  postMessage(value: unknown): void;
}

export interface VuPlan {
  name: string;
  exec: string;
  executor: 'constant-vus' | 'per-vu-iterations' | 'shared-iterations';
  /** Wall-clock end (ms since epoch) after which no new iteration starts. */
  deadline: number;
  /** For per-vu-iterations: iterations of this VU. */
  iterations: number;
  /** For shared-iterations: an Int32Array(2) [taken, total]. */
  shared: SharedArrayBuffer | null;
  startDelayMs: number;
  env: Record<string, string>;
  tags: Tags;
}

export type WorkerEvent =
  | { kind: 'samples'; samples: Sample[] }
  | { kind: 'checks'; checks: CheckTally[] }
  | { kind: 'setupData'; data: string | null }
  | { kind: 'error'; message: string }
  | { kind: 'done'; iterations: number; interrupted: number };

export interface CheckTally {
  group: string;
  name: string;
  passes: number;
  fails: number;
}
