import { newBadRequest, newMethodNotSupported, StatusError } from '../api/errors';
import type { UserInfo } from '../authn/user';
import { newRecorder, type AdmissionRecorder } from '../admission/interface';
import type { GenericStore } from '../registry/generic-store';
import type { SchemaSet } from '../schema/model';
import { renderError } from './error-response';
import { createResource } from './handlers/create';
import { deleteResource } from './handlers/delete';
import { deleteCollection } from './handlers/deletecollection';
import { getResource } from './handlers/get';
import { listResource } from './handlers/list';
import { patchResource } from './handlers/patch';
import { updateResource } from './handlers/update';
import { watchResource } from './handlers/watch';
import type { RequestInfo } from './request-info';
import type { RequestScope } from './scope';
import type { ApiRequest, ApiResponse } from './types';
import { warningHeaders, warningHeaderValue } from './warnings';
import { inSpan } from '../tracing/active';

export interface StoreLookup {
  store(group: string, version: string, resource: string): GenericStore | undefined;
}

type VerbHandler = (scope: RequestScope) => Promise<ApiResponse>;

const HANDLERS = new Map<string, VerbHandler>([
  ['get', getResource],
  ['list', listResource],
  ['watch', (scope) => watchResource(scope)],
  ['create', createResource],
  ['update', updateResource],
  ['patch', patchResource],
  ['delete', deleteResource],
  ['deletecollection', deleteCollection],
]);

/** upstream's handler span names (watch is long-running and has none) */
const SPAN_NAMES: Record<string, string> = {
  get: 'Get',
  list: 'List',
  create: 'Create',
  update: 'Update',
  patch: 'Patch',
  delete: 'Delete',
  deletecollection: 'Delete',
};

const NAMED_VERBS = new Set(['create', 'update', 'patch', 'get', 'delete']);
const SUBRESOURCE_VERBS = new Set(['get', 'update', 'patch']);

function notFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Upstream's IsValidPathSegmentName: a name or namespace from the URL must stay one path segment. */
function pathSegmentProblems(name: string): string[] {
  const msgs: string[] = [];
  if (name === '.' || name === '..') msgs.push(`may not be '${name}'`);
  for (const c of ['/', '%']) if (name.includes(c)) msgs.push(`may not contain '${c}'`);
  return msgs;
}

function checkPathSegments(info: RequestInfo): void {
  const ns = pathSegmentProblems(info.namespace);
  if (ns.length > 0)
    throw newBadRequest(`Namespace parameter invalid: ${JSON.stringify(info.namespace)}: ${ns.join(';')}`);
  const name = pathSegmentProblems(info.name);
  if (name.length > 0) throw newBadRequest(`Name parameter invalid: ${JSON.stringify(info.name)}: ${name.join(';')}`);
}

/** Routes a resource request to its store and verb handler (upstream's API installer plus handlers). */
export class ApiRouter {
  constructor(
    readonly schemas: SchemaSet,
    private readonly stores: StoreLookup,
  ) {}

  async handle(
    req: ApiRequest,
    info: RequestInfo,
    user?: UserInfo,
    recorder: AdmissionRecorder = newRecorder(),
  ): Promise<ApiResponse> {
    let res: ApiResponse;
    try {
      res = await this.dispatch(req, info, user, recorder);
      // upstream's SerializeObject compresses what it writes; watches are framed, not serialised
      if (res.kind === 'buffered') res.compressible = true;
    } catch (e) {
      // a refused request still carries what admission warned of before the refusal
      res = renderError(this.schemas, e, req.headers.accept);
      res.compressible = true;
      if (recorder.warnings.length > 0) res.headers = { ...res.headers, ...warningHeaders(recorder.warnings) };
    }
    return this.withDeprecationWarning(res, info);
  }

  /** Upstream warns on every request to a deprecated version, failed ones included, before any other warning. */
  private withDeprecationWarning(res: ApiResponse, info: RequestInfo): ApiResponse {
    const text = this.stores.store(info.apiGroup, info.apiVersion, info.resource)?.info.deprecationWarning;
    const header = text ? warningHeaderValue(text) : undefined;
    if (!header) return res;
    const existing = res.headers.warning;
    const rest = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    res.headers = { ...res.headers, warning: [header, ...rest] };
    return res;
  }

  /** The scope a resource request runs in, or the Status error it gets instead. */
  scopeFor(req: ApiRequest, info: RequestInfo, user?: UserInfo, recorder = newRecorder()): RequestScope {
    const store = this.stores.store(info.apiGroup, info.apiVersion, info.resource);
    if (!store) throw notFound();
    const namespace = store.info.namespaced ? info.namespace : '';
    if (store.info.namespaced && !namespace && NAMED_VERBS.has(info.verb) && info.name) throw notFound();
    const sub = info.subresource ? store.info.subresources.find((sr) => sr.name === info.subresource) : undefined;
    if (info.subresource && !sub) throw notFound();
    if (sub && !SUBRESOURCE_VERBS.has(info.verb) && !(info.verb === 'create' && sub.verbs.includes('create'))) {
      throw newMethodNotSupported(store.gr, info.verb);
    }
    if (info.verb === 'create' && info.name && !sub) throw newMethodNotSupported(store.gr, 'create');
    checkPathSegments(info);
    const { name, subresource } = info;
    return { schemas: this.schemas, req, info, store, namespace, name, subresource, user, recorder };
  }

  private async dispatch(
    req: ApiRequest,
    info: RequestInfo,
    user: UserInfo | undefined,
    recorder: AdmissionRecorder,
  ): Promise<ApiResponse> {
    const scope = this.scopeFor(req, info, user, recorder);
    const handler = HANDLERS.get(info.verb);
    if (!handler) throw newMethodNotSupported(scope.store.gr, req.method);
    const span = SPAN_NAMES[info.verb];
    if (!span) return handler(scope);
    return inSpan(span, { 'user-agent': req.headers['user-agent'] ?? '', accept: req.headers.accept ?? '' }, () =>
      handler(scope),
    );
  }
}
