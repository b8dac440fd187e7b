import { builtinPriority, CRD_PRIORITY, type ApiServicePriority } from '../aggregator/priorities';
import type { ResourceInfo } from '../registry/resources';

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

/** A built-in group/version missing from the priority table sorts after everything else. */
const UNLISTED: ApiServicePriority = { group: 0, version: 0 };

/** The priorities of the APIService behind a resource's group/version: its own, a CRD's, or the built-in table's. */
export function priorityOf(r: ResourceInfo): ApiServicePriority {
  if (r.apiServicePriority) return r.apiServicePriority;
  if (r.custom) return CRD_PRIORITY;
  return builtinPriority(r.group, r.version) ?? UNLISTED;
}

interface ServedVersion {
  group: string;
  version: string;
  priority: ApiServicePriority;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Within a group: higher versionPriority first, then the Kubernetes version order. */
function compareServedVersions(a: ServedVersion, b: ServedVersion): number {
  return b.priority.version - a.priority.version || compareVersions(a.version, b.version);
}

/**
 * The groups (core excluded) of the served resources with their versions, in
 * kube-aggregator's order. Legacy /apis sorts APIServices by groupPriorityMinimum
 * (highest first), then by APIService name (`<version>.<group>`), and lists each
 * group where its first APIService falls; aggregated discovery sorts groups by
 * their highest groupPriorityMinimum, then by group name. Versions: higher
 * versionPriority first, then the Kubernetes version order.
 */
export function servedGroups(
  resources: readonly ResourceInfo[],
  style: 'legacy' | 'aggregated' = 'aggregated',
): GroupVersions[] {
  const served = new Map<string, ServedVersion>();
  for (const r of resources) {
    if (r.group === '') continue;
    const key = `${r.version}.${r.group}`;
    if (!served.has(key)) served.set(key, { group: r.group, version: r.version, priority: priorityOf(r) });
  }
  const byGroup = new Map<string, ServedVersion[]>();
  let order: string[];
  if (style === 'legacy') {
    const apiServices = [...served.entries()].sort(
      ([an, a], [bn, b]) => b.priority.group - a.priority.group || byName(an, bn),
    );
    for (const [, v] of apiServices) byGroup.set(v.group, [...(byGroup.get(v.group) ?? []), v]);
    order = [...byGroup.keys()];
  } else {
    for (const v of served.values()) byGroup.set(v.group, [...(byGroup.get(v.group) ?? []), v]);
    const top = (g: string): number => Math.max(...(byGroup.get(g) ?? []).map((v) => v.priority.group));
    order = [...byGroup.keys()].sort((a, b) => top(b) - top(a) || byName(a, b));
  }
  return order.map((group) => ({
    group,
    versions: [...(byGroup.get(group) ?? [])].sort(compareServedVersions).map((v) => v.version),
  }));
}

export function resourcesOf(resources: readonly ResourceInfo[], group: string, version: string): ResourceInfo[] {
  return resources
    .filter((r) => r.group === group && r.version === version)
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}
