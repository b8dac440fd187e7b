import type { IncomingMessage } from 'node:http';
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import { runInformer } from '../controllers/informer';
import { sleep } from '../controllers/util';
import type { ResourceInfo } from '../registry/resources';
import { fetchRemoteResources } from './remote-discovery';
import type { ApiRequest, ApiResponse } from '../endpoints/types';
import type { APIService } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { StoreTable } from '../registry/store-table';
import { resolveEndpoint, ResolveError } from './resolve';
import { requestEndpoint, type ProxyClientCert } from './transport';

/** Headers that describe one hop, or carry the client's own credentials, never go on to the aggregated server. */
const DROPPED_REQUEST_HEADERS = new Set([
  'authorization',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'te',
]);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);
const DRAIN_TIMEOUT_MS = 60_000;

function isRemote(svc: APIService): boolean {
  return svc.spec?.service !== undefined && svc.spec.service !== null;
}

function isAvailable(svc: APIService): boolean {
  return (svc.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
}

/** The identity headers the front proxy asserts, as upstream's request-header authenticator reads them. */
export function identityHeaders(user: UserInfo): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = { 'x-remote-user': user.name };
  if (user.groups.length > 0) h['x-remote-group'] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {}))
    h[`x-remote-extra-${encodeURIComponent(key.toLowerCase())}`] = [...values];
  return h;
}

function forwardedHeaders(req: ApiRequest, user: UserInfo): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith(':') || DROPPED_REQUEST_HEADERS.has(lower)) continue;
    // the client may not assert an identity of its own
    if (lower.startsWith('impersonate-') || lower.startsWith('x-remote-')) continue;
    out[lower] = value;
  }
  return { ...out, ...identityHeaders(user) };
}

function responseHeaders(res: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function streamed(res: IncomingMessage): ApiResponse {
  return {
    kind: 'stream',
    status: res.statusCode ?? 502,
    headers: responseHeaders(res),
    start(sink) {
      sink.onClose(() => res.destroy());
      res.on('data', (chunk: Buffer) => {
        if (sink.write(chunk)) return;
        res.pause();
        void sink.drained(DRAIN_TIMEOUT_MS).then((ok) => (ok ? res.resume() : res.destroy()));
      });
      res.on('end', () => sink.end());
      res.on('error', () => sink.abort());
    },
  };
}

/** `/apis/<group>/<version>[/...]` → the group/version's APIService name. */
function apiServiceNameOf(path: string): string | undefined {
  const m = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/.exec(path);
  return m ? `${m[2]}.${m[1]}` : undefined;
}

/**
 * Upstream's aggregator proxy: requests for a group/version an APIService points
 * at a Service go to one of its endpoints, as the authenticated user in
 * X-Remote-* headers, over TLS with the front-proxy client certificate.
 */
export class AggregatorProxy {
  private readonly remote = new Map<string, APIService>();
  private readonly abort = new AbortController();
  private task: Promise<void> = Promise.resolve();
  private refresher: Promise<void> = Promise.resolve();
  /** Each available remote APIService's resources, as its server last described them. */
  private readonly discovered = new Map<string, ResourceInfo[]>();

  constructor(
    private readonly table: StoreTable,
    private readonly clientCert: ProxyClientCert | undefined,
    private readonly log: (line: string) => void = () => undefined,
    private readonly discoveryIntervalMs = 3000,
  ) {}

  /** The remote group/versions' resources for merged discovery; unavailable ones are left out. */
  remoteResources(): ResourceInfo[] {
    return [...this.discovered.values()].flat();
  }

  private async refreshDiscovery(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const wanted = [...this.remote.values()].filter(isAvailable);
      const names = new Set(wanted.map((s) => s.metadata?.name ?? ''));
      for (const name of [...this.discovered.keys()]) if (!names.has(name)) this.discovered.delete(name);
      await Promise.all(
        wanted.map(async (svc) => {
          const name = svc.metadata?.name ?? '';
          try {
            this.discovered.set(name, await fetchRemoteResources(this.table, svc, this.clientCert));
          } catch {
            // its availability check reports why; discovery just leaves it out until it answers
            this.discovered.delete(name);
          }
        }),
      );
      await sleep(this.discoveryIntervalMs, signal);
    }
  }

  start(): void {
    const store = this.table.store('apiregistration.k8s.io', 'v1', 'apiservices');
    if (!store) return;
    const put = (o: KubeObject): void => {
      const svc = o as APIService;
      const name = svc.metadata?.name ?? '';
      if (isRemote(svc)) this.remote.set(name, svc);
      else this.remote.delete(name);
    };
    this.task = runInformer(
      store,
      this.abort.signal,
      {
        onList: (items) => {
          this.remote.clear();
          items.forEach(put);
        },
        onEvent: (type, o) => {
          if (type === 'DELETED') this.remote.delete(o.metadata?.name ?? '');
          else put(o);
        },
      },
      this.log,
    );
    this.refresher = this.refreshDiscovery();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.task;
    await this.refresher;
  }

  /** The remote APIServices known now (for discovery). */
  remoteApiServices(): APIService[] {
    return [...this.remote.values()];
  }

  /** The proxied response, or undefined when no remote APIService serves the path. */
  async handle(req: ApiRequest, user: UserInfo | undefined): Promise<ApiResponse | undefined> {
    const name = apiServiceNameOf(req.path);
    const svc = name ? this.remote.get(name) : undefined;
    if (!svc?.spec?.service) return undefined;
    if (!isAvailable(svc)) throw new StatusError(503, 'ServiceUnavailable', 'service unavailable');
    const ref = svc.spec.service;
    let endpoint;
    try {
      endpoint = await resolveEndpoint(this.table, {
        namespace: ref.namespace ?? '',
        name: ref.name ?? '',
        port: ref.port ?? 443,
      });
    } catch (e) {
      if (e instanceof ResolveError) throw new StatusError(503, 'ServiceUnavailable', e.message);
      throw e;
    }
    const query = req.query.toString();
    try {
      const res = await requestEndpoint(svc.spec, endpoint, this.clientCert, {
        method: req.method,
        path: query ? `${req.path}?${query}` : req.path,
        headers: forwardedHeaders(req, user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] }),
        body: req.body,
      });
      return streamed(res);
    } catch (e) {
      throw new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${(e as Error).message}`);
    }
  }
}
