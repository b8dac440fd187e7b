import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import { runInformer } from '../controllers/informer';
import { sleep } from '../controllers/util';
import type { ResourceInfo } from '../registry/resources';
import { fetchRemoteResources } from './remote-discovery';
import type { ApiRequest, ApiResponse } from '../endpoints/types';
import type { APIService } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { StoreTable } from '../registry/store-table';
import { resolveEndpoint, ResolveError, serviceRefOf } from './resolve';
import { backendTls, type ProxyClientCert } from './transport';
import { decodedPath } from '../endpoints/request-info';
import { ProxyFailure, proxyRequest } from '../proxy/upgrade-aware';

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

/** Upstream's aggregator answers its own failures as Go's http.Error does: plain text, not a Status. */
function proxyError(message: string, status: number): ApiResponse {
  return {
    kind: 'buffered',
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: Buffer.from(`${message}\n`),
  };
}

/** Go's url.Values.Encode, which the aggregator forwards the query as: sorted by key. */
function sortedQuery(query: URLSearchParams): string {
  const sorted = new URLSearchParams([...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sorted.toString();
}

/** `/apis/<group>/<version>[/...]` → the group/version's APIService name. */
function apiServiceNameOf(path: string): string | undefined {
  const m = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/.exec(path);
  return m ? `${m[2]}.${m[1]}` : undefined;
}

/**
 * Upstream's aggregator proxy: requests for a group/version an APIService points
 * at a Service go to one of its endpoints, as the authenticated user in
 * X-Remote-* headers, over TLS with the front-proxy client certificate,
 * through the upgrade-aware proxy (so WebSocket and SPDY upgrades pass too).
 * Its own failures are plain text, and backend redirects are refused.
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
  async handle(req: ApiRequest, user: UserInfo | undefined, remoteAddress?: string): Promise<ApiResponse | undefined> {
    const name = apiServiceNameOf(req.path);
    const svc = name ? this.remote.get(name) : undefined;
    if (!svc?.spec?.service) return undefined;
    if (!isAvailable(svc)) return proxyError('service unavailable', 503);
    const ref = svc.spec.service;
    let endpoint;
    try {
      endpoint = await resolveEndpoint(this.table, serviceRefOf(ref));
    } catch (e) {
      if (e instanceof ResolveError) {
        this.log(`error resolving ${ref.namespace ?? ''}/${ref.name ?? ''}: ${e.message}`);
        return proxyError('service unavailable', 503);
      }
      throw e;
    }
    const path = decodedPath(req.path);
    try {
      return await proxyRequest(
        { method: req.method, headers: req.headers, path, rawQuery: '', body: req.body, remoteAddress },
        {
          scheme: 'https',
          host: endpoint.host,
          port: String(endpoint.port),
          path,
          rawQuery: sortedQuery(req.query),
          tls: backendTls(svc.spec, this.clientCert),
        },
        {
          pathPrepend: '',
          identity: identityHeaders(user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] }),
          rejectForwardingRedirects: true,
          hostHeader: 'backend',
        },
      );
    } catch (e) {
      if (e instanceof ProxyFailure) return proxyError(e.message, 503);
      throw e;
    }
  }
}
