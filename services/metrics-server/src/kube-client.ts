import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** Where and as whom the sample server talks to kapi: one kubeconfig context, or a URL and token. */
export interface KubeConnection {
  server: string;
  caPem?: string;
  /** the kubeconfig's tls-server-name: the name kapi's certificate is checked for */
  serverName?: string;
  insecureSkipTlsVerify?: boolean;
  token?: string;
  certPem?: string;
  keyPem?: string;
}

type Fields = Record<string, unknown>;

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Array<{ name?: string; cluster?: Fields }>;
  users?: Array<{ name?: string; user?: Fields }>;
  contexts?: Array<{ name?: string; context?: { cluster?: string; user?: string } }>;
}

function text(entry: Fields, key: string): string | undefined {
  const v = entry[key];
  return typeof v === 'string' ? v : undefined;
}

/** `<key>-data` (base64) or the file `<key>` names, relative to the kubeconfig. */
function fileOrData(base: string, entry: Fields, key: string): string | undefined {
  const data = text(entry, `${key}-data`);
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const file = text(entry, key);
  return file === undefined ? undefined : readFileSync(path.resolve(base, file), 'utf8');
}

/** The current context of a kubeconfig file, as client-go would load it (files relative to the kubeconfig). */
export function loadKubeconfig(file: string): KubeConnection {
  const doc = parseYaml(readFileSync(file, 'utf8')) as KubeconfigFile;
  const base = path.dirname(file);
  const ctxName = doc['current-context'];
  const ctx = (doc.contexts ?? []).find((c) => c.name === ctxName)?.context ?? doc.contexts?.[0]?.context;
  if (!ctx) throw new Error(`${file}: no context`);
  const cluster = (doc.clusters ?? []).find((c) => c.name === ctx.cluster)?.cluster;
  const server = cluster ? text(cluster, 'server') : undefined;
  if (!cluster || !server) throw new Error(`${file}: no cluster ${ctx.cluster ?? ''}`);
  const user = (doc.users ?? []).find((u) => u.name === ctx.user)?.user ?? {};
  const tokenFile = text(user, 'tokenFile');
  return {
    server: server.replace(/\/$/, ''),
    caPem: fileOrData(base, cluster, 'certificate-authority'),
    serverName: text(cluster, 'tls-server-name'),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: text(user, 'token') ?? (tokenFile ? readFileSync(path.resolve(base, tokenFile), 'utf8').trim() : undefined),
    certPem: fileOrData(base, user, 'client-certificate'),
    keyPem: fileOrData(base, user, 'client-key'),
  };
}

/** kapi answered with something other than 2xx; the metav1.Status it sent, when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Record<string, unknown> | undefined,
  ) {
    super(typeof status?.message === 'string' ? status.message : `the server answered ${code}`);
  }
}

/** The reads MetricsApi needs (a stub in tests). */
export interface KubeReader {
  get<T>(pathAndQuery: string): Promise<T>;
}

/** What the delegated authenticator and authorizer send (a stub in tests). */
export interface KubePoster {
  post<T>(pathAndQuery: string, body: unknown): Promise<T>;
}

/** A minimal JSON client of kapi: enough to list Pods and Nodes and post reviews. */
export class KubeClient implements KubeReader, KubePoster {
  private readonly agent: https.Agent;

  constructor(private readonly conn: KubeConnection) {
    this.agent = new https.Agent({
      keepAlive: true,
      ca: conn.caPem,
      cert: conn.certPem,
      key: conn.keyPem,
      servername: conn.serverName,
      rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
    });
  }

  get<T>(pathAndQuery: string): Promise<T> {
    return this.request<T>('GET', pathAndQuery);
  }

  post<T>(pathAndQuery: string, body: unknown): Promise<T> {
    return this.request<T>('POST', pathAndQuery, body);
  }

  close(): void {
    this.agent.destroy();
  }

  private request<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const url = new URL(this.conn.server + pathAndQuery);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kapi-metrics-server' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (this.conn.token) headers.authorization = `Bearer ${this.conn.token}`;
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path: url.pathname + url.search,
          method,
          headers,
          agent: this.agent,
          servername: this.conn.serverName,
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) reject(new KubeApiError(code, parsed as Record<string, unknown>));
            else resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
