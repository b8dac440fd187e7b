import type { Duplex } from 'node:stream';

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
  /** Set on API object responses: gzip-encoded when large and the client accepts it, as upstream's SerializeObject. */
  compressible?: boolean;
}

export interface StreamSink {
  /** false once the connection's buffer is past its high-water mark: wait for drained() before writing more. */
  write(chunk: Buffer): boolean;
  /** Resolves true when the buffer drained, false if it did not within timeoutMs or the client went away. */
  drained(timeoutMs: number): Promise<boolean>;
  end(): void;
  /** Drops the connection (HTTP/1.1) or resets the stream (HTTP/2) without a clean end. */
  abort(): void;
  /** Registers a callback for the client going away. */
  onClose(cb: () => void): void;
}

export interface StreamingResponse {
  kind: 'stream';
  status: number;
  headers: Record<string, string | string[]>;
  start(sink: StreamSink): void;
  /** A watch: resolves once its initial events were handed over (APF holds its seats until then). */
  initialized?: Promise<void>;
}

/**
 * A finite body produced piece by piece while it is written (a list, item by
 * item), so it is never held whole; pieces are pulled only as the connection takes them.
 */
export interface ChunkedResponse {
  kind: 'chunked';
  status: number;
  headers: Record<string, string | string[]>;
  chunks(): Iterator<Buffer>;
  /** The object the body encodes, for audit at RequestResponse level (its items are read lazily there too). */
  object?: () => unknown;
}

/**
 * A backend agreed to switch protocols (WebSocket, SPDY): the client's
 * HTTP/1.1 connection is handed over and both are joined byte for byte.
 */
export interface UpgradedResponse {
  kind: 'upgrade';
  status: number;
  headers: Record<string, string | string[]>;
  /** Writes the backend's response head to the client, then pipes both ways until either side closes. */
  attach(client: Duplex, clientHead: Buffer): void;
  /** Drops the backend connection when the client's cannot take it over. */
  abandon(): void;
}

export type ApiResponse = BufferedResponse | StreamingResponse | ChunkedResponse | UpgradedResponse;
