import { newMethodNotSupported, StatusError } from '../api/errors';
import type { RequestInfo } from '../endpoints/request-info';
import { decodedPath } from '../endpoints/request-info';
import type { ApiRequest, ApiResponse } from '../endpoints/types';
import type { StoreTable } from '../registry/store-table';
import { joinPreservingTrailingSlash } from './location-rewrite';
import {
  DEFAULT_KUBELET_CLIENT,
  nodeLocation,
  podLocation,
  serviceLocation,
  type KubeletClientConfig,
  type ResourceLocation,
} from './locations';
import { ProxyFailure, proxyRequest } from './upgrade-aware';

/** Upstream's proxy connecters answer these methods (HEAD and OPTIONS too, unlike the other subresources). */
const CONNECT_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const NAMESPACED: Record<string, boolean> = { services: true, pods: true, nodes: false };

function notFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

/** The request's own path below `.../NAME/proxy`, as upstream's connect options read it. */
function subpath(info: RequestInfo, path: string): string {
  let p = info.parts.slice(3).join('/');
  if (p !== '' && !p.startsWith('/')) p = `/${p}`;
  if (path.endsWith('/') && !p.endsWith('/')) p += '/';
  return joinPreservingTrailingSlash(p);
}

/** What the client's request carried that the proxy passes on. */
export interface ProxyClient {
  /** the request-target as sent, for the raw query */
  requestURI?: string;
  remoteAddress?: string;
}

/**
 * The services/proxy, pods/proxy and nodes/proxy subresources: the named
 * object's backend gets the request below `/proxy`, through the same
 * upgrade-aware proxy the aggregator uses.
 */
export class ProxySubresources {
  constructor(
    private readonly table: StoreTable,
    private readonly kubelet: KubeletClientConfig = DEFAULT_KUBELET_CLIENT,
  ) {}

  /** Also the legacy `/api/v1/proxy/...` paths: authorized as the verb proxy, then not found, as 1.32 has no such routes. */
  handles(info: RequestInfo): boolean {
    if (info.isResourceRequest && info.verb === 'proxy') return true;
    return (
      info.isResourceRequest &&
      info.apiPrefix === 'api' &&
      info.apiVersion === 'v1' &&
      info.subresource === 'proxy' &&
      info.resource in NAMESPACED
    );
  }

  private locate(info: RequestInfo): Promise<ResourceLocation> {
    if (info.resource === 'services') return serviceLocation(this.table, info.namespace, info.name);
    if (info.resource === 'pods') return podLocation(this.table, info.namespace, info.name);
    return nodeLocation(this.table, info.name, this.kubelet);
  }

  async handle(req: ApiRequest, info: RequestInfo, client: ProxyClient): Promise<ApiResponse> {
    if (info.verb === 'proxy') throw notFound();
    if (NAMESPACED[info.resource] !== (info.namespace !== '')) throw notFound();
    if (!CONNECT_METHODS.has(req.method))
      throw newMethodNotSupported({ group: '', resource: info.resource }, req.method);
    const loc = await this.locate(info);
    const path = decodedPath(req.path);
    const backendPath = subpath(info, path);
    const uri = client.requestURI ?? '';
    const rawQuery = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : req.query.toString();
    const suffix = path.endsWith('/') && !backendPath.endsWith('/') ? `${backendPath}/` : backendPath;
    const pathPrepend = path.endsWith(suffix) ? path.slice(0, path.length - suffix.length) : path;
    try {
      return await proxyRequest(
        {
          method: req.method,
          headers: req.headers,
          path,
          rawQuery,
          body: req.body,
          remoteAddress: client.remoteAddress,
        },
        { ...loc, path: backendPath, rawQuery },
        { pathPrepend, hostHeader: 'client' },
      );
    } catch (e) {
      if (!(e instanceof ProxyFailure)) throw e;
      // an ordinary request's failure is upstream's ServiceUnavailable; a failed upgrade an error without a Status
      if (e.stage === 'reach') throw new StatusError(503, 'ServiceUnavailable', e.message);
      throw new StatusError(500, '', e.message);
    }
  }
}
