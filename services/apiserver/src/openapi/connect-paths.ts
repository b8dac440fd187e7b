import type { JsonObject } from '../api/object';
import type { ResourceInfo, SubresourceInfo } from '../registry/resources';
import { capitalized, operationGroupVersion, operationTag } from './names';
import { operation } from './operation';
import { pathParam, query } from './parameters';

/** A proxy forwards every HTTP method; upstream lists each as its own connect operation. */
const PROXY_METHODS = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'] as const;

/**
 * The `path` query parameter of each proxy options kind, worded as upstream's spec words
 * it (the Go doc comment of the options' Path field).
 */
const PROXY_PATH_QUERY: Record<string, string> = {
  PodProxyOptions: 'Path is the URL path to use for the current proxy request to pod.',
  ServiceProxyOptions:
    'Path is the part of URLs that include service endpoints, suffixes, and parameters to use for the current proxy request to service. For example, the whole request URL is http://localhost/api/v1/namespaces/kube-system/services/elasticsearch-logging/_search?q=user:kimchy. Path is _search?q=user:kimchy.',
  NodeProxyOptions: 'Path is the URL path to use for the current proxy request to node.',
};

/** The proxied body and reply are whatever the backend speaks. */
function connectResponses(): JsonObject {
  return {
    '200': { content: { '*/*': { schema: { type: 'string' } } }, description: 'OK' },
    '401': { description: 'Unauthorized' },
  };
}

/**
 * The connect operations of a proxy subresource: `base` (…/{name}/proxy) and
 * `base/{path}`, one operation per HTTP method. Other connect subresources (attach, exec,
 * portforward) are not served, so they get no paths.
 */
export function connectPaths(
  r: ResourceInfo,
  sub: SubresourceInfo,
  base: string,
  nsParams: readonly JsonObject[],
): Record<string, JsonObject> {
  const pathQueryText = PROXY_PATH_QUERY[sub.kind];
  if (sub.name !== 'proxy' || pathQueryText === undefined) return {};
  const gv = operationGroupVersion(r.group, r.version);
  const tag = operationTag(r.group, r.version);
  const scoped = r.namespaced ? 'Namespaced' : '';
  const gvk = { group: sub.group ?? r.group, version: sub.version ?? r.version, kind: sub.kind };
  const name = pathParam('name', `name of the ${sub.kind}`);
  const pathQuery = query('path', 'string', pathQueryText);

  const pathItem = (suffix: string): JsonObject => {
    const item: JsonObject = {};
    for (const method of PROXY_METHODS) {
      const verb = method.toUpperCase();
      item[method] = operation({
        description: `connect ${verb} requests to ${sub.name} of ${r.kind}`,
        operationId: `connect${gv}${capitalized(method)}${scoped}${r.kind}${capitalized(sub.name)}${suffix}`,
        action: 'connect',
        gvk,
        tag,
        responses: connectResponses(),
      });
    }
    return item;
  };

  const plain = pathItem('');
  plain.parameters = [name, ...nsParams, pathQuery];
  const withPath = pathItem('WithPath');
  withPath.parameters = [name, ...nsParams, pathParam('path', 'path to the resource'), pathQuery];
  return { [base]: plain, [`${base}/{path}`]: withPath };
}
