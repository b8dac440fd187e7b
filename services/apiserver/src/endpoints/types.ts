export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: Buffer;
}

export interface BufferedResponse {
  kind: 'buffered';
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface StreamSink {
  write(chunk: Buffer): void;
  end(): void;
  /** Registers a callback for the client going away. */
  onClose(cb: () => void): void;
}

export interface StreamingResponse {
  kind: 'stream';
  status: number;
  headers: Record<string, string | string[]>;
  start(sink: StreamSink): void;
}

export type ApiResponse = BufferedResponse | StreamingResponse;
