/**
 * The Node labels a kubelet may set on its own Node (k8s.io/kubelet's well-known
 * labels), and which changes NodeRestriction refuses: the node-restriction
 * prefix is reserved for administrators to steer workloads with, and any other
 * kubernetes.io / k8s.io label outside the kubelet's set is not the node's to claim.
 */

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);

const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

function labelNamespace(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/** `ns` is `domain` or a subdomain of it. */
function within(ns: string, domain: string): boolean {
  return ns === domain || ns.endsWith(`.${domain}`);
}

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => within(ns, allowed));
}

function isKubernetesLabel(key: string): boolean {
  const ns = labelNamespace(key);
  return within(ns, 'kubernetes.io') || within(ns, 'k8s.io');
}

/** Keys added, removed or changed between two label maps. */
export function modifiedLabels(
  next: Readonly<Record<string, string>> | undefined,
  old: Readonly<Record<string, string>> | undefined,
): Set<string> {
  const a = next ?? {};
  const b = old ?? {};
  const out = new Set<string>();
  for (const k of Object.keys(a)) if (!(k in b) || a[k] !== b[k]) out.add(k);
  for (const k of Object.keys(b)) if (!(k in a) || a[k] !== b[k]) out.add(k);
  return out;
}

/** The modified keys a node may not set, sorted as upstream's sets.String.List(). */
export function forbiddenNodeLabels(modified: ReadonlySet<string>): string[] {
  const out = [...modified].filter(
    (k) => within(labelNamespace(k), NODE_RESTRICTION_NAMESPACE) || (isKubernetesLabel(k) && !isKubeletLabel(k)),
  );
  return out.sort();
}
