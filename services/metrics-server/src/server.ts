import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { StatusError, newMethodNotSupported } from '../../apiserver/src/api/errors';
import { AuthenticationError, type Authenticator } from '../../apiserver/src/authn/authenticator';
import { forbiddenError } from '../../apiserver/src/authz/forbidden';
import type { Attributes } from '../../apiserver/src/authz/types';
import { negotiate } from '../../apiserver/src/endpoints/negotiation';
import { parseRequestInfo } from '../../apiserver/src/endpoints/request-info';
import type { KubeObject } from '../../apiserver/src/api/object';
import {
  ifNoneMatchHits,
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
} from '../../apiserver/src/openapi/v2-serve';
import type { JsonObject } from '../../apiserver/src/api/object';
import { peerChain, type AsyncAuthorizer } from './delegated-auth';
import { discoveryDocument } from './discovery';
import { GROUP, VERSION, type MetricsApi } from './metrics-api';
import type { OpenApiDocuments } from './openapi';
import { metricsTable } from './table';

export interface MetricsServerDeps {
  api: MetricsApi;
  authenticator: Authenticator;
  authorizer: AsyncAuthorizer;
  openapi: OpenApiDocuments;
  tls: { certPem: string; keyPem: string };
  log?: (line: string) => void;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function json(status: number, body: unknown, contentType = 'application/json'): Reply {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(body)) };
}

const NOT_FOUND = new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** The group's resources: nodes and (namespaced, or across all namespaces) pods, get and list. */
async function serveResource(
  deps: MetricsServerDeps,
  a: Attributes,
  query: URLSearchParams,
  method: string,
  accept: string | undefined,
): Promise<Reply> {
  const known =
    a.apiGroup === GROUP &&
    a.apiVersion === VERSION &&
    !a.subresource &&
    ((a.resource === 'nodes' && !a.namespace) || a.resource === 'pods') &&
    // pods are read by name only inside a namespace: /pods alone is the all-namespaces list
    !(a.resource === 'pods' && a.verb === 'get' && !a.namespace);
  if (!known) throw NOT_FOUND;
  const gr = { group: GROUP, resource: a.resource };
  // only get and list routes exist: other methods on them are the router's 405
  if (method !== 'GET' && method !== 'HEAD')
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  if (a.verb === 'watch') throw newMethodNotSupported(gr, 'watch');
  // before any read, so an unacceptable Accept is a 406 whatever the objects
  const n = negotiate(accept, { allowProtobuf: false, transforms: ['Table'] });
  const q = {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  };
  // a field selector on metadata.name makes the request info carry the name; the path decides get or list
  const named = a.verb === 'get';
  let body: Record<string, unknown>;
  if (a.resource === 'nodes') body = named ? await deps.api.getNode(a.name) : await deps.api.listNodes(q);
  else body = named ? await deps.api.getPod(a.namespace, a.name) : await deps.api.listPods(a.namespace, q);
  if (n.transform !== 'Table') return json(200, body);
  const objs = (named ? [body] : (body.items as Record<string, unknown>[])) as KubeObject[];
  const version = n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
  const kind = a.resource === 'nodes' ? 'NodeMetrics' : 'PodMetrics';
  return json(200, metricsTable(kind, objs, query, version));
}

function serveOpenApi(
  deps: MetricsServerDeps,
  path: string,
  headers: Record<string, string | undefined>,
): Reply | undefined {
  if (path === '/openapi/v2') {
    const format = negotiateOpenApiV2(headers.accept);
    if (!format)
      throw new StatusError(
        406,
        'NotAcceptable',
        `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF_MEDIA_TYPE}`,
      );
    const etag = `"${deps.openapi.v2.etag}"`;
    const h: Record<string, string> = { etag, vary: 'Accept', 'cache-control': 'no-cache, private' };
    if (ifNoneMatchHits(headers['if-none-match'], etag)) return { status: 304, headers: h, body: Buffer.alloc(0) };
    if (format === 'json')
      return { status: 200, headers: { ...h, 'content-type': 'application/json' }, body: deps.openapi.v2.json };
    return {
      status: 200,
      headers: { ...h, 'content-type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE },
      body: deps.openapi.v2.protobuf,
    };
  }
  if (path === '/openapi/v3') {
    const paths: JsonObject = {};
    for (const [p, d] of deps.openapi.v3) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.etag}` };
    return json(200, { paths });
  }
  if (path.startsWith('/openapi/v3/')) {
    const d = deps.openapi.v3.get(path.slice('/openapi/v3/'.length));
    if (!d) throw NOT_FOUND;
    const etag = `"${d.etag}"`;
    const h: Record<string, string> = { etag, 'cache-control': 'no-cache, private' };
    if (ifNoneMatchHits(headers['if-none-match'], etag)) return { status: 304, headers: h, body: Buffer.alloc(0) };
    return { status: 200, headers: { ...h, 'content-type': 'application/json' }, body: d.body };
  }
  return undefined;
}

async function handle(deps: MetricsServerDeps, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'https://metrics-server');
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = flatHeaders(req);
  let user;
  try {
    const resp = await deps.authenticator.authenticate({
      headers,
      rawHeaders: req.rawHeaders,
      peerCertificates: peerChain(req.socket as TLSSocket),
    });
    user = resp?.user;
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    deps.log?.(`metrics-server: unable to authenticate the request: ${e.message}`);
  }
  if (!user) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  const info = parseRequestInfo(method, url.pathname, url.searchParams);
  const attrs: Attributes = { ...info, user };
  const decision = await deps.authorizer.authorize(attrs);
  if (decision.decision !== 'allow') throw forbiddenError(attrs, decision.reason);

  if (!info.isResourceRequest) {
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname))
      return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('ok') };
    const doc = discoveryDocument(url.pathname.replace(/\/$/, ''), headers.accept);
    if (doc) return json(200, doc.body, doc.contentType);
    const openapi = serveOpenApi(deps, url.pathname, headers);
    if (openapi) return openapi;
    throw NOT_FOUND;
  }
  return serveResource(deps, attrs, url.searchParams, method, headers.accept);
}

export interface RunningMetricsServer {
  address: string;
  port: number;
  stop(): Promise<void>;
}

/** The HTTPS server: every request authenticated and authorized by delegation, then answered. */
export async function listenMetricsServer(
  deps: MetricsServerDeps,
  host: string,
  port: number,
): Promise<RunningMetricsServer> {
  const server = https.createServer(
    // the client certificate is checked by the authenticators, against the CA of the path it takes
    { cert: deps.tls.certPem, key: deps.tls.keyPem, requestCert: true, rejectUnauthorized: false },
    (req: IncomingMessage, res: ServerResponse) => {
      handle(deps, req)
        .catch((e: unknown): Reply => {
          if (e instanceof StatusError) return json(e.code, e.toStatus());
          deps.log?.(`metrics-server: ${req.method} ${req.url}: ${(e as Error).message}`);
          return json(
            500,
            new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`).toStatus(),
          );
        })
        .then((r) => {
          res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) });
          res.end(req.method === 'HEAD' ? undefined : r.body);
        })
        .catch(() => res.destroy());
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    address: addr.address,
    port: addr.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
