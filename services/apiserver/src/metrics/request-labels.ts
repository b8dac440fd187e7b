import type { RequestInfo } from '../endpoints/request-info';

/** What the request metrics need to know of a resource the server serves. */
export interface ServedResource {
  kind: string;
  subresources: readonly string[];
}

/** The served resource at group/version/resource, or undefined when nothing serves it. */
export type ResourceLookup = (group: string, version: string, resource: string) => ServedResource | undefined;

/** The label values apiserver_request_* series share (code is added per response). */
export interface RequestLabels {
  verb: string;
  dryRun: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
  /**
   * Who the series belong to: the served resource's object, or one shared
   * object for everything unserved and one per instrumented non-resource path.
   * Caches key on it (an object, cheap to look up) instead of on label strings.
   */
  owner: object;
}

export const APISERVER_COMPONENT = 'apiserver';
const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'portforward', 'attach', 'proxy']);
/** Anything else is reported as "other", so odd methods cannot grow the series. */
const REPORTED_VERBS = new Set([
  'APPLY',
  'CONNECT',
  'CREATE',
  'DELETE',
  'DELETECOLLECTION',
  'GET',
  'LIST',
  'PATCH',
  'POST',
  'PROXY',
  'PUT',
  'UPDATE',
  'WATCH',
  'WATCHLIST',
]);

/**
 * The few non-resource paths upstream instruments, with the subresource and
 * component they are reported under. Any other path is not counted: a label
 * made of an arbitrary path would let a client grow the series without bound.
 */
const NON_RESOURCE_TARGETS = new Map<string, { subresource: string; component: string }>([
  ['/healthz', { subresource: '/healthz', component: '' }],
  ['/livez', { subresource: '/livez', component: '' }],
  ['/readyz', { subresource: '/readyz', component: '' }],
  ['/api', { subresource: '/api', component: APISERVER_COMPONENT }],
  ['/apis', { subresource: '/apis', component: APISERVER_COMPONENT }],
  ['/openapi/v3', { subresource: 'openapi/v3', component: '' }],
]);
const OPENAPI_V3_DOCUMENTS = { subresource: 'openapi/v3/', component: '' };
/** Every request for something not served shares this owner (and its empty labels). */
const UNSERVED = { subresource: '', component: APISERVER_COMPONENT };

function nonResourceTarget(path: string): { subresource: string; component: string } | undefined {
  const hit = NON_RESOURCE_TARGETS.get(path);
  if (hit) return hit;
  if (path.startsWith('/openapi/v3/')) return OPENAPI_V3_DOCUMENTS;
  return undefined;
}

/** Upstream's scope: one object (by name, or being created), one namespace, or the cluster. */
export function metricScope(info: RequestInfo): string {
  if (!info.isResourceRequest) return '';
  // a name from a fieldSelector does not make a list a request for one object
  if (info.parts.length >= 2 || info.verb === 'create') return 'resource';
  if (info.namespace !== '') return 'namespace';
  return 'cluster';
}

/**
 * The reported verb: the HTTP method, GET split into GET and LIST by scope,
 * watches as WATCH, server-side apply as APPLY, streaming subresources as
 * CONNECT, anything unexpected as "other".
 */
export function metricVerb(method: string, info: RequestInfo, scope: string, contentType: string | undefined): string {
  let verb = method === 'HEAD' ? 'GET' : method;
  if (verb === 'GET' && scope !== 'resource' && scope !== '') verb = 'LIST';
  if (info.verb === 'watch') verb = 'WATCH';
  if (verb === 'PATCH' && contentType === APPLY_PATCH_CONTENT_TYPE) verb = 'APPLY';
  if (info.isResourceRequest && CONNECT_SUBRESOURCES.has(info.subresource)) verb = 'CONNECT';
  return REPORTED_VERBS.has(verb) ? verb : 'other';
}

/** The dry_run label: "" when absent, the sorted distinct values when valid ("All"), "invalid" otherwise. */
export function metricDryRun(query: URLSearchParams): string {
  if (query.size === 0 || !query.has('dryRun')) return '';
  const values = query.getAll('dryRun');
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

/**
 * The labels a request is counted under, or undefined for requests upstream
 * does not count. Group, version, resource and subresource come only from what
 * the server serves: a path naming something unserved is counted with them
 * empty, so made-up paths all land in one bucket. Names and namespaces are
 * never labels.
 */
export function requestLabels(
  req: { method: string; query: URLSearchParams; headers: Record<string, string | undefined> },
  info: RequestInfo,
  lookup: ResourceLookup,
): RequestLabels | undefined {
  const scope = metricScope(info);
  const verb = metricVerb(req.method, info, scope, req.headers['content-type']);
  const dryRun = metricDryRun(req.query);
  if (!info.isResourceRequest) {
    // a trailing slash names the same path; the regex only runs when there is one
    const path = info.path.length > 1 && info.path.endsWith('/') ? info.path.replace(/\/+$/, '') : info.path;
    const target = nonResourceTarget(path);
    if (!target) return undefined;
    const { subresource, component } = target;
    return { verb, dryRun, group: '', version: '', resource: '', subresource, scope, component, owner: target };
  }
  const served = lookup(info.apiGroup, info.apiVersion, info.resource);
  if (!served) {
    const { subresource, component } = UNSERVED;
    return { verb, dryRun, group: '', version: '', resource: '', subresource, scope, component, owner: UNSERVED };
  }
  // the served list's own string: a constant, so caches keyed on it need not hash a fresh one
  const subresource = info.subresource === '' ? '' : (served.subresources.find((r) => r === info.subresource) ?? '');
  return {
    verb,
    dryRun,
    group: info.apiGroup,
    version: info.apiVersion,
    resource: info.resource,
    subresource,
    scope,
    component: APISERVER_COMPONENT,
    owner: served,
  };
}

/** Mutating and read-only requests are limited (and reported) apart, as upstream's max-in-flight filter does. */
export function requestKind(info: RequestInfo): 'readOnly' | 'mutating' {
  return info.verb === 'get' || info.verb === 'list' || info.verb === 'watch' ? 'readOnly' : 'mutating';
}

/** Watches and streaming subresources are long-running: not in flight, tracked on their own gauge instead. */
export function isLongRunning(labels: RequestLabels): boolean {
  return labels.verb === 'WATCH' || labels.verb === 'CONNECT';
}
