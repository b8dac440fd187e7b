import type { ResourceInfo } from '../registry/resources';

/**
 * kube-apiserver lists built-in groups by a fixed priority, not alphabetically; clients
 * that take "the first group with kind X" depend on it. Order as served by 1.32.
 */
const BUILTIN_GROUP_ORDER: readonly string[] = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'resource.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'storagemigration.k8s.io',
];

function groupRank(group: string): number {
  const i = BUILTIN_GROUP_ORDER.indexOf(group);
  return i < 0 ? BUILTIN_GROUP_ORDER.length : i;
}

/** Built-in groups by upstream priority, then any other group (CRDs, aggregated APIs) by name. */
export function compareGroups(a: string, b: string): number {
  return groupRank(a) - groupRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

interface ParsedVersion {
  major: number;
  /** 2 GA, 1 beta, 0 alpha */
  stability: number;
  minor: number;
}

function parseKubeVersion(v: string): ParsedVersion | undefined {
  const m = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(v);
  if (!m) return undefined;
  const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
  return { major: Number(m[1]), stability, minor: m[3] === undefined ? 0 : Number(m[3]) };
}

/**
 * Kubernetes version priority: GA before beta before alpha, higher numbers first, and
 * versions that do not look like Kubernetes versions last, by name.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseKubeVersion(a);
  const pb = parseKubeVersion(b);
  if (pa && pb) {
    return pb.stability - pa.stability || pb.major - pa.major || pb.minor - pa.minor;
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface GroupVersions {
  group: string;
  /** preferred first */
  versions: string[];
}

/** The groups (core excluded) of the served resources with their versions, in discovery order. */
export function servedGroups(resources: readonly ResourceInfo[]): GroupVersions[] {
  const byGroup = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === '') continue;
    let versions = byGroup.get(r.group);
    if (!versions) byGroup.set(r.group, (versions = new Set()));
    versions.add(r.version);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => compareGroups(a, b))
    .map(([group, versions]) => ({ group, versions: [...versions].sort(compareVersions) }));
}

export function resourcesOf(resources: readonly ResourceInfo[], group: string, version: string): ResourceInfo[] {
  return resources
    .filter((r) => r.group === group && r.version === version)
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}
