import { newBadRequest } from '../api/errors';
import { parseFieldSelector, type FieldSelector } from '../selection/fields';

/**
 * What a request asks for, parsed from method and path as upstream's
 * RequestInfoFactory does: resource requests under /api and /apis, everything
 * else is a non-resource request.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

/** Query booleans as Go's strconv.ParseBool reads them (the Python client sends `True`). */
export function isTrue(v: string | null | undefined): boolean {
  return v === '1' || v === 't' || v === 'T' || v === 'true' || v === 'TRUE' || v === 'True';
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** metadata.name=X of a parseable field selector, when X could be a path segment; '' otherwise. */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return '';
  let reqs: FieldSelector;
  try {
    reqs = parseFieldSelector(selector);
  } catch {
    return '';
  }
  const name = reqs.find((r) => r.field === 'metadata.name' && r.op === '=')?.value ?? '';
  if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) return '';
  return name;
}

/**
 * Path segments, each percent-decoded on its own: `%2e%2e` stays a segment named
 * `..` (rejected later as a name) and `%2F` stays inside its segment, so what is
 * authorized is exactly what runs. No dot-segment resolution happens here.
 */
export function pathSegments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw newBadRequest(`invalid URL escape in path segment ${JSON.stringify(s)}`);
      }
    });
}

/** The whole path decoded, for non-resource routing; dot segments are kept as sent. */
export function decodedPath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw newBadRequest('invalid URL escape in path');
  }
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let segments = pathSegments(path);
  if (segments.length === 0) return info;
  const prefix = segments[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  segments = segments.slice(1);
  if (prefix === 'apis') {
    if (segments.length < 3) return info; // /apis, /apis/<group>, /apis/<group>/<version> are discovery
    info.apiGroup = segments[0];
    segments = segments.slice(1);
  } else if (segments.length < 2) {
    return info; // /api, /api/v1
  }
  info.apiVersion = segments[0];
  segments = segments.slice(1);
  info.isResourceRequest = true;

  switch (method.toUpperCase()) {
    case 'POST':
      info.verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      info.verb = 'get';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = 'delete';
      break;
    default:
      info.verb = '';
  }

  // legacy /watch/ and /proxy/ path prefixes: still the verb, though 1.32 serves no /proxy/ routes
  if (segments[0] === 'watch' || segments[0] === 'proxy') {
    info.verb = segments[0];
    segments = segments.slice(1);
  }

  if (segments[0] === 'namespaces') {
    if (segments.length > 1) {
      info.namespace = segments[1];
      if (segments.length > 2 && !NAMESPACE_SUBRESOURCES.has(segments[2])) {
        segments = segments.slice(2);
      }
    }
  }
  info.parts = segments;
  if (segments.length >= 3 && info.verb !== 'proxy') info.subresource = segments[2];
  if (segments.length >= 2) info.name = segments[1];
  if (segments.length >= 1) info.resource = segments[0];

  if (info.name === '' && info.verb === 'get') {
    const watch = query.get('watch');
    info.verb = isTrue(watch) ? 'watch' : 'list';
    // a list of one object by field selector is authorized (and audited) as a request for that name
    info.name = nameFromFieldSelector(query.get('fieldSelector'));
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  if (info.verb === 'get' && info.name !== '') {
    const watch = query.get('watch');
    if (isTrue(watch)) info.verb = 'watch';
  }
  return info;
}
