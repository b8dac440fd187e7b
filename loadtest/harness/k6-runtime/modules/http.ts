// The "k6/http" module: blocking request functions returning k6 Response objects.
import { parseDurationMs } from '../duration';
import type { HttpRequestSpec, HttpResult, Tags } from '../protocol';
import { baseTags, vuContext } from '../vu-context';

type Body = string | ArrayBuffer | Uint8Array | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string>;
  tags?: Tags;
  timeout?: string | number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ResponseCallback | null;
}

/** What http.expectedStatuses returns: k6 only accepts these as response callbacks. */
export interface ResponseCallback {
  readonly ranges: Array<[number, number]>;
}

export function expectedStatuses(...statuses: Array<number | { min: number; max: number }>): ResponseCallback {
  return { ranges: statuses.map((s): [number, number] => (typeof s === 'number' ? [s, s] : [s.min, s.max])) };
}

let defaultCallback: ResponseCallback | null = expectedStatuses({ min: 200, max: 399 });

/** null makes no response "expected" tracking happen: http_req_failed is then not emitted, as in k6. */
export function setResponseCallback(cb: ResponseCallback | null): void {
  defaultCallback = cb;
}

class Response {
  readonly status: number;
  readonly status_text: string;
  readonly headers: Record<string, string>;
  readonly body: string | ArrayBuffer | null;
  readonly error: string;
  readonly error_code: number;
  readonly proto: string;
  readonly timings: HttpResult['timings'];
  readonly url: string;
  readonly request: { method: string; url: string; headers: Record<string, string>; body: string };

  constructor(result: HttpResult, spec: HttpRequestSpec) {
    this.status = result.status;
    this.status_text = result.statusText;
    this.headers = result.headers;
    this.body = result.body instanceof Uint8Array ? toArrayBuffer(result.body) : result.body;
    this.error = result.error;
    this.error_code = result.errorCode;
    this.proto = result.proto;
    this.timings = result.timings;
    this.url = result.url;
    this.request = {
      method: spec.method,
      url: spec.url,
      headers: spec.headers,
      body: typeof spec.body === 'string' ? spec.body : '',
    };
  }

  /** Parses the body as JSON; a selector picks a dotted path (gjson-style, with "#" for a length). */
  json(selector?: string): unknown {
    if (typeof this.body !== 'string') throw new Error('the body is not text; json() needs responseType "text"');
    const doc: unknown = JSON.parse(this.body);
    if (!selector) return doc;
    let at: unknown = doc;
    for (const part of selector.split('.')) {
      if (at === null || typeof at !== 'object') return undefined;
      if (part === '#' && Array.isArray(at)) at = at.length;
      else at = (at as Record<string, unknown>)[part];
    }
    return at;
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function encodeBody(body: Body, headers: Record<string, string>): string | Uint8Array | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof Uint8Array) return body;
  // k6 sends a plain object as an urlencoded form
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  return new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

function spec(method: string, url: string, body: Body, params: Params | undefined): HttpRequestSpec {
  const ctx = vuContext();
  const headers = { ...(params?.headers ?? {}) };
  return {
    method: method.toUpperCase(),
    url: String(url),
    body: encodeBody(body, headers),
    headers,
    timeoutMs: parseDurationMs(params?.timeout, 60_000),
    tags: { ...baseTags(ctx), name: String(url), ...(params?.tags ?? {}) },
    responseType: params?.responseType ?? 'text',
    expected: (params?.responseCallback === undefined ? defaultCallback : params.responseCallback)?.ranges ?? null,
  };
}

function send(specs: HttpRequestSpec[]): Response[] {
  const ctx = vuContext();
  if (ctx.initContext) throw new Error('Making http requests in the init context is not supported');
  return ctx.httpSync(specs).map((r, i) => new Response(r, specs[i]));
}

export function request(method: string, url: string, body?: Body, params?: Params): Response {
  return send([spec(method, url, body, params)])[0];
}
export function get(url: string, params?: Params): Response {
  return request('GET', url, null, params);
}
export function head(url: string, params?: Params): Response {
  return request('HEAD', url, null, params);
}
export function options(url: string, body?: Body, params?: Params): Response {
  return request('OPTIONS', url, body, params);
}
export function post(url: string, body?: Body, params?: Params): Response {
  return request('POST', url, body, params);
}
export function put(url: string, body?: Body, params?: Params): Response {
  return request('PUT', url, body, params);
}
export function patch(url: string, body?: Body, params?: Params): Response {
  return request('PATCH', url, body, params);
}
export function del(url: string, body?: Body, params?: Params): Response {
  return request('DELETE', url, body, params);
}

type BatchItem =
  string | [string, string, Body?, Params?] | { method?: string; url: string; body?: Body; params?: Params };

function batchSpec(item: BatchItem): HttpRequestSpec {
  if (typeof item === 'string') return spec('GET', item, null, undefined);
  if (Array.isArray(item)) return spec(item[0], item[1], item[2], item[3]);
  return spec(item.method ?? 'GET', item.url, item.body, item.params);
}

/** Sends the requests in parallel; the result has the input's shape (array or keyed object). */
export function batch(requests: BatchItem[] | Record<string, BatchItem>): Response[] | Record<string, Response> {
  if (Array.isArray(requests)) return send(requests.map(batchSpec));
  const keys = Object.keys(requests);
  const responses = send(keys.map((k) => batchSpec(requests[k])));
  return Object.fromEntries(keys.map((k, i) => [k, responses[i]]));
}

export default { request, get, head, options, post, put, patch, del, batch, expectedStatuses, setResponseCallback };
