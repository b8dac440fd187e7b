/** An APIService's place in discovery: its group among groups, its version within the group. */
export interface ApiServicePriority {
  group: number;
  version: number;
}

/**
 * kube-apiserver's fixed priorities for the group/versions it serves itself
 * (its aggregator's table); a built-in group/version missing here gets no
 * APIService, as upstream, so a CRD could never be stuck behind it.
 */
const BUILTIN_PRIORITIES: ReadonlyArray<[string, string, number, number]> = [
  ['', 'v1', 18000, 1],
  ['apiregistration.k8s.io', 'v1', 18000, 15],
  ['apps', 'v1', 17800, 15],
  ['events.k8s.io', 'v1', 17750, 15],
  ['events.k8s.io', 'v1beta1', 17750, 5],
  ['authentication.k8s.io', 'v1', 17700, 15],
  ['authentication.k8s.io', 'v1beta1', 17700, 9],
  ['authentication.k8s.io', 'v1alpha1', 17700, 1],
  ['authorization.k8s.io', 'v1', 17600, 15],
  ['autoscaling', 'v1', 17500, 15],
  ['autoscaling', 'v2', 17500, 30],
  ['autoscaling', 'v2beta1', 17500, 9],
  ['autoscaling', 'v2beta2', 17500, 1],
  ['batch', 'v1', 17400, 15],
  ['batch', 'v1beta1', 17400, 9],
  ['batch', 'v2alpha1', 17400, 9],
  ['certificates.k8s.io', 'v1', 17300, 15],
  ['certificates.k8s.io', 'v1alpha1', 17300, 1],
  ['networking.k8s.io', 'v1', 17200, 15],
  ['networking.k8s.io', 'v1beta1', 17200, 9],
  ['networking.k8s.io', 'v1alpha1', 17200, 1],
  ['policy', 'v1', 17100, 15],
  ['policy', 'v1beta1', 17100, 9],
  ['rbac.authorization.k8s.io', 'v1', 17000, 15],
  ['storage.k8s.io', 'v1', 16800, 15],
  ['storage.k8s.io', 'v1beta1', 16800, 9],
  ['storage.k8s.io', 'v1alpha1', 16800, 1],
  ['apiextensions.k8s.io', 'v1', 16700, 15],
  ['admissionregistration.k8s.io', 'v1', 16700, 15],
  ['admissionregistration.k8s.io', 'v1beta1', 16700, 12],
  ['admissionregistration.k8s.io', 'v1alpha1', 16700, 9],
  ['scheduling.k8s.io', 'v1', 16600, 15],
  ['coordination.k8s.io', 'v1', 16500, 15],
  ['node.k8s.io', 'v1', 16300, 15],
  ['node.k8s.io', 'v1alpha1', 16300, 1],
  ['node.k8s.io', 'v1beta1', 16300, 9],
  ['discovery.k8s.io', 'v1', 16200, 15],
  ['discovery.k8s.io', 'v1beta1', 16200, 12],
  ['flowcontrol.apiserver.k8s.io', 'v1', 16100, 21],
  ['flowcontrol.apiserver.k8s.io', 'v1beta3', 16100, 18],
  ['flowcontrol.apiserver.k8s.io', 'v1beta2', 16100, 15],
  ['flowcontrol.apiserver.k8s.io', 'v1beta1', 16100, 12],
  ['flowcontrol.apiserver.k8s.io', 'v1alpha1', 16100, 9],
  ['internal.apiserver.k8s.io', 'v1alpha1', 16000, 9],
  // kube-apiserver 1.32's own table moves resource.k8s.io up beside discovery.k8s.io (its served order shows it)
  ['resource.k8s.io', 'v1beta1', 16200, 9],
  ['resource.k8s.io', 'v1alpha3', 16200, 1],
  ['storagemigration.k8s.io', 'v1alpha1', 15800, 9],
];

const BY_GROUP_VERSION = new Map<string, ApiServicePriority>(
  BUILTIN_PRIORITIES.map(([g, v, group, version]) => [`${g}/${v}`, { group, version }]),
);

export function builtinPriority(group: string, version: string): ApiServicePriority | undefined {
  return BY_GROUP_VERSION.get(`${group}/${version}`);
}

/** Custom resources rank below every built-in group; versions then sort the Kubernetes way. */
export const CRD_PRIORITY: ApiServicePriority = { group: 1000, version: 100 };
