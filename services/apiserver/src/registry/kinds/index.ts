import type { KindDefinition } from '../kind';
import type { ResourceInfo } from '../resources';
import { configmaps } from './core/configmaps';
import { endpoints } from './core/endpoints';
import { events } from './core/events';
import { namespaces } from './core/namespaces';
import { secrets } from './core/secrets';
import { serviceaccounts } from './core/serviceaccounts';
import { services } from './core/services';
import { deployments } from './apps/deployments';
import { endpointslices } from './discovery.k8s.io/endpointslices';
import { leases } from './coordination.k8s.io/leases';
import { clusterrolebindings } from './rbac.authorization.k8s.io/clusterrolebindings';
import { clusterroles } from './rbac.authorization.k8s.io/clusterroles';
import { rolebindings } from './rbac.authorization.k8s.io/rolebindings';
import { roles } from './rbac.authorization.k8s.io/roles';
import { tokenreviews } from './authentication.k8s.io/tokenreviews';
import { selfsubjectreviews } from './authentication.k8s.io/selfsubjectreviews';
import { subjectaccessreviews } from './authorization.k8s.io/subjectaccessreviews';
import { selfsubjectaccessreviews } from './authorization.k8s.io/selfsubjectaccessreviews';
import { localsubjectaccessreviews } from './authorization.k8s.io/localsubjectaccessreviews';
import { selfsubjectrulesreviews } from './authorization.k8s.io/selfsubjectrulesreviews';
import { replicasets } from './apps/replicasets';
import { statefulsets } from './apps/statefulsets';
import { daemonsets } from './apps/daemonsets';
import { controllerrevisions } from './apps/controllerrevisions';
import { replicationcontrollers } from './core/replicationcontrollers';
import { jobs } from './batch/jobs';
import { cronjobs } from './batch/cronjobs';

/** Every built-in kind kapi serves; adding one is its definition file and a line here. */
export const BUILTIN_KINDS: readonly KindDefinition[] = [
  configmaps,
  endpoints,
  events,
  namespaces,
  secrets,
  serviceaccounts,
  services,
  deployments,
  endpointslices,
  leases,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  tokenreviews,
  selfsubjectreviews,
  subjectaccessreviews,
  selfsubjectaccessreviews,
  localsubjectaccessreviews,
  selfsubjectrulesreviews,
  replicasets,
  statefulsets,
  daemonsets,
  controllerrevisions,
  replicationcontrollers,
  jobs,
  cronjobs,
];

export const BUILTIN_RESOURCES: readonly ResourceInfo[] = BUILTIN_KINDS.map((k) => k.info);
