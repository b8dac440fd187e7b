// The main thread's side of the VUs' blocking HTTP calls: it sends the requests and records k6's http_* metrics.
import http from 'node:http';
import https from 'node:https';
import type { HttpRequestSpec, HttpResult, Sample, Tags } from './protocol';

export interface TlsAuth {
  domains?: string[];
  cert: string;
  key: string;
}

export interface HttpHostOptions {
  insecureSkipTLSVerify?: boolean;
  tlsAuth?: TlsAuth[];
}

export class HttpHost {
  private readonly plain = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private readonly agents = new Map<string, https.Agent>();
  private opts: HttpHostOptions = {};

  constructor(private readonly record: (samples: Sample[]) => void) {}

  configure(opts: HttpHostOptions): void {
    this.opts = opts;
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  close(): void {
    this.plain.destroy();
    for (const a of this.agents.values()) a.destroy();
  }

  private agentFor(host: string): https.Agent {
    let agent = this.agents.get(host);
    if (!agent) {
      const auth = this.opts.tlsAuth?.find((t) => !t.domains || t.domains.length === 0 || t.domains.includes(host));
      agent = new https.Agent({
        keepAlive: true,
        maxSockets: Infinity,
        rejectUnauthorized: !this.opts.insecureSkipTLSVerify,
        cert: auth?.cert,
        key: auth?.key,
      });
      this.agents.set(host, agent);
    }
    return agent;
  }

  send(spec: HttpRequestSpec): Promise<HttpResult> {
    return new Promise((resolve) => {
      const start = performance.now();
      let connected = start;
      let reused = false;
      let sent = start;
      let firstByte = start;
      let url: URL;
      try {
        url = new URL(spec.url);
      } catch {
        resolve(this.failed(spec, start, `invalid URL "${spec.url}"`, 1020));
        return;
      }
      const secure = url.protocol === 'https:';
      const lib = secure ? https : http;
      const headers: Record<string, string> = { 'User-Agent': 'k6/0.54.0 (https://k6.io/)', ...spec.headers };
      const req = lib.request(url, {
        method: spec.method,
        headers,
        agent: secure ? this.agentFor(url.hostname) : this.plain,
        timeout: spec.timeoutMs,
      });
      let bytesSent = 0;
      req.on('socket', (socket) => {
        const ready = (): void => {
          connected = performance.now();
        };
        // a kept-alive socket is already connected; a new one is timed until its (TLS) handshake ends
        if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', ready);
        else {
          reused = true;
          ready();
        }
      });
      const timer = setTimeout(() => req.destroy(new Error('request timeout')), spec.timeoutMs);
      req.on('finish', () => {
        sent = performance.now();
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        const timeout = e.message === 'request timeout';
        resolve(this.failed(spec, start, timeout ? 'request timeout' : e.message, timeout ? 1050 : 1000));
      });
      req.on('response', (res) => {
        firstByte = performance.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          clearTimeout(timer);
          resolve(this.failed(spec, start, e.message, 1000));
        });
        res.on('end', () => {
          clearTimeout(timer);
          const end = performance.now();
          const body = Buffer.concat(chunks);
          const sending = Math.max(0, sent - connected);
          const waiting = Math.max(0, firstByte - Math.max(sent, connected));
          const receiving = end - firstByte;
          const result: HttpResult = {
            status: res.statusCode ?? 0,
            statusText: `${res.statusCode ?? 0} ${res.statusMessage ?? ''}`,
            headers: flatHeaders(res.headers),
            body:
              spec.responseType === 'none'
                ? null
                : spec.responseType === 'binary'
                  ? new Uint8Array(body)
                  : body.toString('utf8'),
            error: '',
            errorCode: res.statusCode !== undefined && res.statusCode >= 400 ? 1000 + res.statusCode : 0,
            proto: `HTTP/${res.httpVersion}`,
            timings: {
              // waiting for a kept-alive socket is k6's "blocked"; a new socket's handshake is "connecting"
              blocked: reused ? Math.max(0, connected - start) : 0,
              connecting: reused ? 0 : Math.max(0, connected - start),
              sending,
              waiting,
              receiving,
              duration: sending + waiting + receiving,
            },
            url: spec.url,
          };
          this.recordHttp(spec, result, bytesSent, body.length);
          resolve(result);
        });
      });
      // the request line and headers count as sent data too, as in k6 (which counts the bytes on the wire)
      bytesSent = Buffer.byteLength(
        `${spec.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('') +
          '\r\n',
      );
      if (spec.body !== null) {
        bytesSent += typeof spec.body === 'string' ? Buffer.byteLength(spec.body) : spec.body.byteLength;
        req.end(spec.body);
      } else req.end();
    });
  }

  private failed(spec: HttpRequestSpec, start: number, error: string, code: number): HttpResult {
    const duration = performance.now() - start;
    const result: HttpResult = {
      status: 0,
      statusText: '',
      headers: {},
      body: null,
      error,
      errorCode: code,
      proto: '',
      timings: { blocked: 0, connecting: 0, sending: 0, waiting: duration, receiving: 0, duration },
      url: spec.url,
    };
    this.recordHttp(spec, result, 0, 0);
    return result;
  }

  private recordHttp(spec: HttpRequestSpec, r: HttpResult, sent: number, received: number): void {
    const expected = spec.expected === null || spec.expected.some(([lo, hi]) => r.status >= lo && r.status <= hi);
    const tags: Tags = {
      ...spec.tags,
      method: spec.method,
      status: String(r.status),
      proto: r.proto,
    };
    if (spec.expected !== null) tags.expected_response = String(expected);
    if (r.error) tags.error = r.error;
    const t = (metric: string, value: number): Sample => ({ metric, type: 'trend', contains: 'time', value, tags });
    this.record([
      { metric: 'http_reqs', type: 'counter', contains: 'default', value: 1, tags },
      ...(spec.expected === null
        ? []
        : [{ metric: 'http_req_failed', type: 'rate', contains: 'default', value: expected ? 0 : 1, tags } as Sample]),
      t('http_req_duration', r.timings.duration),
      t('http_req_blocked', r.timings.blocked),
      t('http_req_connecting', r.timings.connecting),
      t('http_req_sending', r.timings.sending),
      t('http_req_waiting', r.timings.waiting),
      t('http_req_receiving', r.timings.receiving),
      { metric: 'data_sent', type: 'counter', contains: 'data', value: sent, tags },
      { metric: 'data_received', type: 'counter', contains: 'data', value: received, tags },
    ]);
  }
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    // k6 canonicalises header names as Go's net/http does (Content-Type)
    const name = k.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
