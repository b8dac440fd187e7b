import type { KubeObject } from '../../api/object';
import type { Pod, PodAffinityTerm, ScopedResourceSelectorRequirement } from '../../generated/k8s.io.api.core.v1';
import { objectCountName, type QuotaEvaluator } from './evaluator';
import { isBestEffort, podAggregate } from './pod-resources';
import { add, count, parseResourceList, type ResourceList } from './resource-list';

const POD_COUNT = objectCountName({ group: '', resource: 'pods' });

const POD_RESOURCES = [
  POD_COUNT,
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
const HUGEPAGES = 'hugepages-';
const REQUESTS = 'requests.';

// upstream's compatibility rule: quota on these makes every container state them; never extended
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** Upstream's IsNativeResource: no domain, or a kubernetes.io one. */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** A quota name for an extended resource: `requests.<domain>/<name>`. */
function isExtendedQuotaName(name: string): boolean {
  return !isNative(name) && name.startsWith(REQUESTS);
}

/** An extended resource a container can request (upstream's IsExtendedResourceName, roughly). */
function isExtendedResource(name: string): boolean {
  return !isNative(name) && !name.startsWith(REQUESTS);
}

/** What one set of requests and limits charges (upstream's podComputeUsageHelper). */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', count(1)]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`${REQUESTS}${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, v] of requests) {
    if (r.startsWith(HUGEPAGES)) {
      out.set(r, v);
      out.set(`${REQUESTS}${r}`, v);
    }
    if (isExtendedResource(r)) out.set(`${REQUESTS}${r}`, v);
  }
  return out;
}

/** Counted for compute quota: not finished, and not past its deletion grace period (upstream's QuotaV1Pod). */
export function podIsLive(pod: Pod, nowMs: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && grace !== undefined) {
    const end = Date.parse(deletion) + Number(grace) * 1000;
    if (nowMs > end) return false;
  }
  return true;
}

function crossNamespaceTerm(t: PodAffinityTerm): boolean {
  return (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined;
}

function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity;
  const groups = [aff?.podAffinity, aff?.podAntiAffinity];
  return groups.some(
    (g) =>
      (g?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(crossNamespaceTerm) ||
      (g?.preferredDuringSchedulingIgnoredDuringExecution ?? []).some(
        (w) => w.podAffinityTerm !== undefined && crossNamespaceTerm(w.podAffinityTerm),
      ),
  );
}

/** A scope selector's expression over the pod's one "label", PriorityClass=<priorityClassName>. */
function matchesPriorityClass(pod: Pod, sel: ScopedResourceSelectorRequirement): boolean {
  const name = pod.spec?.priorityClassName ?? '';
  const values = sel.values ?? [];
  switch (sel.operator) {
    case 'Exists':
      return name !== '';
    case 'DoesNotExist':
      return name === '';
    case 'In':
      return name !== '' && values.includes(name);
    case 'NotIn':
      return name === '' || !values.includes(name);
    default:
      return false;
  }
}

export function podMatchesScope(sel: ScopedResourceSelectorRequirement, obj: KubeObject): boolean {
  const pod = obj as Pod;
  const terminating = pod.spec?.activeDeadlineSeconds !== undefined && Number(pod.spec.activeDeadlineSeconds) >= 0;
  switch (sel.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return matchesPriorityClass(pod, sel);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespaceAffinity(pod);
    default:
      return false;
  }
}

/** Upstream's pod evaluator. */
export const podEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'pods' },
  handles: (op, subresource) => subresource === '' && op === 'CREATE',
  matchingResources(input) {
    return input.filter(
      (n) =>
        POD_RESOURCES.includes(n) ||
        n.startsWith(HUGEPAGES) ||
        n.startsWith(`${REQUESTS}${HUGEPAGES}`) ||
        isExtendedQuotaName(n),
    );
  },
  matchesScope: podMatchesScope,
  constraints(required, obj) {
    const pod = obj as Pod;
    const needed = required.filter((r) => MUST_SPECIFY.has(r));
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const own = computeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
      for (const r of needed) {
        if (own.has(r)) continue;
        const names = missing.get(r) ?? new Set<string>();
        names.add(c.name ?? '');
        missing.set(r, names);
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()]
      .sort()
      .map((r) => `${r} for: ${[...(missing.get(r) as Set<string>)].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
  usage(obj, nowMs) {
    const pod = obj as Pod;
    const base: ResourceList = new Map([[POD_COUNT, count(1)]]);
    if (!podIsLive(pod, nowMs)) return base;
    return add(base, computeUsage(podAggregate(pod, 'requests'), podAggregate(pod, 'limits')));
  },
};
