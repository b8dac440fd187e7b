import { StatusError } from '../api/errors';
import type { JsonObject } from '../api/object';
import {
  AGGREGATED_DISCOVERY_V2_MEDIA_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  legacyApiVersions,
} from '../discovery';
import { negotiate } from '../endpoints/negotiation';
import type { ApiRequest, BufferedResponse } from '../endpoints/types';
import type { ResourceInfo } from '../registry/resources';
import { openApiV2Response } from '../openapi/v2-serve';
import { runHealth, type HealthCheck } from './health';

export interface OpenApiProvider {
  /** GET /openapi/v3 */
  v3Index(): JsonObject;
  /** GET /openapi/v3/<path>; undefined when no such group-version */
  v3Document(gvPath: string): { body: Buffer; etag: string } | undefined;
  /** GET /openapi/v2, both encodings; etag is the unquoted hash both are served under */
  v2(): { json: Buffer; protobuf: Buffer; etag: string };
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  [key: string]: string;
}

export const KAPI_VERSION: VersionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kapi',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-25T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

function json(status: number, body: unknown, contentType = 'application/json'): BufferedResponse {
  return {
    kind: 'buffered',
    status,
    headers: { 'content-type': contentType },
    body: Buffer.from(JSON.stringify(body) + '\n'),
  };
}

function text(status: number, body: string): BufferedResponse {
  return {
    kind: 'buffered',
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: Buffer.from(body),
  };
}

const notFound = (): StatusError =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource');

export interface NonResourceDeps {
  resources: () => readonly ResourceInfo[];
  serverAddress: string;
  openapi: OpenApiProvider;
  healthChecks: { healthz: HealthCheck[]; livez: HealthCheck[]; readyz: HealthCheck[] };
  /** Fixed documents served at exact paths (the service-account issuer discovery). */
  documents?: ReadonlyMap<string, () => BufferedResponse>;
  /** GET /metrics: the replica's metrics in Prometheus text format. */
  metrics?: MetricsSource;
}

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Everything outside /api/<v>/... and /apis/<g>/<v>/...: discovery, health, version, OpenAPI. */
export class NonResourceHandler {
  constructor(private readonly deps: NonResourceDeps) {}

  async handle(req: ApiRequest): Promise<BufferedResponse> {
    const path = req.path.replace(/\/+$/, '') || '/';
    const segments = path.split('/').filter(Boolean);
    const head = segments[0] ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (head === 'api' || head === 'apis')
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      throw notFound();
    }
    const doc = this.deps.documents?.get(path);
    if (doc) return doc();
    switch (head) {
      case 'version':
        if (segments.length === 1) return json(200, KAPI_VERSION);
        break;
      case 'metrics':
        if (segments.length === 1 && this.deps.metrics) return this.metrics(this.deps.metrics);
        break;
      case 'healthz':
      case 'livez':
      case 'readyz': {
        const r = await runHealth(head, this.deps.healthChecks[head], segments.slice(1).join('/'), req.query);
        return text(r.status, r.body);
      }
      case 'api':
        return this.legacyDiscovery(req, segments.slice(1));
      case 'apis':
        return this.groupDiscovery(req, segments.slice(1));
      case 'openapi':
        return this.openapi(req, segments.slice(1));
      case '':
        return json(200, { paths: this.rootPaths() });
    }
    throw notFound();
  }

  private rootPaths(): string[] {
    const paths = new Set<string>([
      '/api',
      '/api/v1',
      '/apis',
      '/healthz',
      '/livez',
      '/readyz',
      '/openapi/v2',
      '/openapi/v3',
      '/version',
    ]);
    if (this.deps.metrics) paths.add('/metrics');
    for (const r of this.deps.resources()) {
      if (r.group) {
        paths.add(`/apis/${r.group}`);
        paths.add(`/apis/${r.group}/${r.version}`);
      }
    }
    return [...paths].sort();
  }

  private async metrics(source: MetricsSource): Promise<BufferedResponse> {
    return {
      kind: 'buffered',
      status: 200,
      headers: { 'content-type': source.contentType },
      body: Buffer.from(await source.render()),
    };
  }

  private wantsAggregated(req: ApiRequest): boolean {
    try {
      return (
        negotiate(req.headers.accept, { allowProtobuf: false, transforms: ['APIGroupDiscoveryList'] }).transform ===
        'APIGroupDiscoveryList'
      );
    } catch {
      return false;
    }
  }

  private aggregated(which: 'api' | 'apis'): BufferedResponse {
    const doc = aggregatedDiscovery(this.deps.resources(), which);
    const res = json(200, doc, AGGREGATED_DISCOVERY_V2_MEDIA_TYPE);
    res.headers.vary = 'Accept';
    return res;
  }

  private legacyDiscovery(req: ApiRequest, rest: string[]): BufferedResponse {
    if (rest.length === 0) {
      if (this.wantsAggregated(req)) return this.aggregated('api');
      return json(200, legacyApiVersions(this.deps.serverAddress));
    }
    if (rest.length === 1) {
      const list = apiResourceList('', rest[0], this.deps.resources());
      if (list) return json(200, list);
    }
    throw notFound();
  }

  private groupDiscovery(req: ApiRequest, rest: string[]): BufferedResponse {
    if (rest.length === 0) {
      if (this.wantsAggregated(req)) return this.aggregated('apis');
      return json(200, apiGroupList(this.deps.resources()));
    }
    if (rest.length === 1) {
      const g = apiGroup(rest[0], this.deps.resources());
      if (g) return json(200, g);
    }
    if (rest.length === 2) {
      const list = apiResourceList(rest[0], rest[1], this.deps.resources());
      if (list) return json(200, list);
    }
    throw notFound();
  }

  private openapi(req: ApiRequest, rest: string[]): BufferedResponse {
    if (rest[0] === 'v2' && rest.length === 1) return openApiV2Response(req, this.deps.openapi.v2());
    if (rest[0] !== 'v3') throw notFound();
    if (rest.length === 1) return json(200, this.deps.openapi.v3Index());
    const doc = this.deps.openapi.v3Document(rest.slice(1).join('/'));
    if (!doc) throw notFound();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      etag: `"${doc.etag}"`,
      vary: 'Accept',
    };
    if (req.query.get('hash') === doc.etag) headers['cache-control'] = 'public, immutable';
    else headers['cache-control'] = 'no-cache, private';
    if (req.headers['if-none-match'] === `"${doc.etag}"`) {
      return { kind: 'buffered', status: 304, headers, body: Buffer.alloc(0) };
    }
    return { kind: 'buffered', status: 200, headers, body: doc.body };
  }
}
