import type { JsonObject } from '../api/object';
import { groupVersionString, type ResourceInfo } from '../registry/resources';
import { resourcesOf, servedGroups, type GroupVersions } from './ordering';
import { storageVersionHash } from './storage-version-hash';

/** GET /api */
export function legacyApiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersionEntry(group: string, version: string): JsonObject {
  return { groupVersion: groupVersionString(group, version), version };
}

function apiGroupBody({ group, versions }: GroupVersions): JsonObject {
  return {
    name: group,
    versions: versions.map((v) => groupVersionEntry(group, v)),
    preferredVersion: groupVersionEntry(group, versions[0]),
  };
}

/** GET /apis: every served group except core, in upstream priority order. */
export function apiGroupList(resources: readonly ResourceInfo[]): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups(resources, 'legacy').map(apiGroupBody) };
}

/** GET /apis/<group>; undefined when no resource of the group is served (the caller answers 404). */
export function apiGroup(group: string, resources: readonly ResourceInfo[]): JsonObject | undefined {
  const served = servedGroups(resources, 'legacy').find((g) => g.group === group);
  if (!served) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupBody(served) };
}

function resourceEntry(r: ResourceInfo): JsonObject {
  const entry: JsonObject = {
    name: r.resource,
    singularName: r.singularName,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
  if (r.categories.length > 0) entry.categories = [...r.categories];
  if (!r.unstored) entry.storageVersionHash = storageVersionHash(r.group, r.storageVersion ?? r.version, r.kind);
  return entry;
}

function subresourceEntries(r: ResourceInfo): JsonObject[] {
  return [...r.subresources]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => {
      const entry: JsonObject = {
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: s.kind,
        verbs: [...s.verbs],
      };
      if (s.group !== undefined) entry.group = s.group;
      if (s.version !== undefined) entry.version = s.version;
      return entry;
    });
}

/**
 * GET /api/v1 and /apis/<group>/<version>; undefined when nothing is served there.
 * The legacy core list carries no apiVersion, as kube-apiserver's does not.
 */
export function apiResourceList(
  group: string,
  version: string,
  resources: readonly ResourceInfo[],
): JsonObject | undefined {
  const served = resourcesOf(resources, group, version);
  if (served.length === 0) return undefined;
  const list: JsonObject = { kind: 'APIResourceList' };
  if (group !== '') list.apiVersion = 'v1';
  list.groupVersion = groupVersionString(group, version);
  list.resources = served.flatMap((r) => [resourceEntry(r), ...subresourceEntries(r)]);
  return list;
}
