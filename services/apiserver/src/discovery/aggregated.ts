import type { JsonObject } from '../api/object';
import type { ResourceInfo } from '../registry/resources';
import { resourcesOf, servedGroups, type GroupVersions } from './ordering';

/** The Accept value kubectl (1.30+) sends first for aggregated discovery. */
export const AGGREGATED_DISCOVERY_V2_MEDIA_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function responseKind(group: string, version: string, kind: string): JsonObject {
  return { group, version, kind };
}

function discoveryResource(r: ResourceInfo): JsonObject {
  // the main resource's kind is implied by its group version, so upstream leaves them empty
  const entry: JsonObject = {
    resource: r.resource,
    responseKind: responseKind('', '', r.kind),
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singularName,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
  if (r.categories.length > 0) entry.categories = [...r.categories];
  if (r.subresources.length > 0) {
    entry.subresources = [...r.subresources]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((s) => ({
        subresource: s.name,
        responseKind: responseKind(s.group ?? '', s.version ?? '', s.kind),
        verbs: [...s.verbs],
      }));
  }
  return entry;
}

function groupDiscovery(resources: readonly ResourceInfo[], { group, versions }: GroupVersions): JsonObject {
  const metadata: JsonObject = { creationTimestamp: null };
  if (group !== '') metadata.name = group;
  return {
    metadata,
    versions: versions.map((version) => ({
      version,
      resources: resourcesOf(resources, group, version).map(discoveryResource),
      freshness: 'Current',
    })),
  };
}

/**
 * apidiscovery.k8s.io/v2 APIGroupDiscoveryList for GET /apis (every group but core, in
 * priority order) or GET /api (one nameless group holding v1).
 */
export function aggregatedDiscovery(resources: readonly ResourceInfo[], which: 'apis' | 'api'): JsonObject {
  let groups: GroupVersions[];
  if (which === 'api') {
    groups = resources.some((r) => r.group === '' && r.version === 'v1') ? [{ group: '', versions: ['v1'] }] : [];
  } else {
    groups = servedGroups(resources);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => groupDiscovery(resources, g)),
  };
}
