import type { JsonObject } from '../../apiserver/src/api/object';
import { AGGREGATED_DISCOVERY_V2_MEDIA_TYPE, aggregatedDiscovery } from '../../apiserver/src/discovery/aggregated';
import { apiGroup, apiGroupList, apiResourceList } from '../../apiserver/src/discovery/legacy';
import { negotiate } from '../../apiserver/src/endpoints/negotiation';
import type { ResourceInfo } from '../../apiserver/src/registry/resources';
import { GROUP, VERSION } from './metrics-api';

function metricsResource(resource: string, kind: string, namespaced: boolean): ResourceInfo {
  return {
    group: GROUP,
    version: VERSION,
    resource,
    kind,
    listKind: `${kind}List`,
    // metrics-server's storages name no singular
    singularName: '',
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ['get', 'list'],
    messageType: '',
    subresources: [],
    // nothing is stored, so discovery carries no storageVersionHash
    unstored: true,
  };
}

/** What metrics-server serves: nodes (NodeMetrics) and namespaced pods (PodMetrics), get and list. */
export const METRICS_RESOURCES: readonly ResourceInfo[] = [
  metricsResource('nodes', 'NodeMetrics', false),
  metricsResource('pods', 'PodMetrics', true),
];

/** The discovery documents of the group, built by kapi's own discovery code; undefined: not a discovery path. */
export function discoveryDocument(
  path: string,
  accept: string | undefined,
): { body: JsonObject; contentType: string } | undefined {
  const json = 'application/json';
  if (path === '/apis') {
    // kubectl asks for the aggregated form first and takes the legacy one when refused
    const n = negotiate(accept, { allowProtobuf: false, transforms: ['APIGroupDiscoveryList'] });
    if (n.transform === 'APIGroupDiscoveryList')
      return {
        body: aggregatedDiscovery(METRICS_RESOURCES, 'apis'),
        contentType: AGGREGATED_DISCOVERY_V2_MEDIA_TYPE,
      };
    return { body: apiGroupList(METRICS_RESOURCES), contentType: json };
  }
  if (path === `/apis/${GROUP}`) {
    const g = apiGroup(GROUP, METRICS_RESOURCES);
    return g && { body: g, contentType: json };
  }
  if (path === `/apis/${GROUP}/${VERSION}`) {
    const l = apiResourceList(GROUP, VERSION, METRICS_RESOURCES);
    return l && { body: l, contentType: json };
  }
  return undefined;
}
