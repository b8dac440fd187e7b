import type { KindDefinition } from '../kind';
import type { ResourceInfo } from '../resources';
import { configmaps } from './core/configmaps';
import { endpoints } from './core/endpoints';
import { events } from './core/events';
import { eventsK8sIo } from './events.k8s.io/events';
import { namespaces } from './core/namespaces';
import { secrets } from './core/secrets';
import { serviceaccounts } from './core/serviceaccounts';
import { services } from './core/services';
import { deployments } from './apps/deployments';
import { hpaV1 } from './autoscaling/hpa-v1';
import { hpaV2 } from './autoscaling/hpa-v2';
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
import { certificatesigningrequests } from './certificates.k8s.io/certificatesigningrequests';
import { validatingwebhookconfigurations } from './admissionregistration.k8s.io/validatingwebhookconfigurations';
import { mutatingwebhookconfigurations } from './admissionregistration.k8s.io/mutatingwebhookconfigurations';
import { validatingadmissionpolicies } from './admissionregistration.k8s.io/validatingadmissionpolicies';
import { validatingadmissionpolicybindings } from './admissionregistration.k8s.io/validatingadmissionpolicybindings';
import { flowschemas } from './flowcontrol.apiserver.k8s.io/flowschemas';
import { prioritylevelconfigurations } from './flowcontrol.apiserver.k8s.io/prioritylevelconfigurations';
import { replicasets } from './apps/replicasets';
import { statefulsets } from './apps/statefulsets';
import { daemonsets } from './apps/daemonsets';
import { controllerrevisions } from './apps/controllerrevisions';
import { replicationcontrollers } from './core/replicationcontrollers';
import { jobs } from './batch/jobs';
import { cronjobs } from './batch/cronjobs';

import { limitranges } from './core/limitranges';
import { resourcequotas } from './core/resourcequotas';
import { persistentvolumes } from './core/persistentvolumes';
import { persistentvolumeclaims } from './core/persistentvolumeclaims';
import { storageclasses } from './storage.k8s.io/storageclasses';
import { csidrivers } from './storage.k8s.io/csidrivers';
import { csinodes } from './storage.k8s.io/csinodes';
import { csistoragecapacities } from './storage.k8s.io/csistoragecapacities';
import { volumeattachments } from './storage.k8s.io/volumeattachments';
import { priorityclasses } from './scheduling.k8s.io/priorityclasses';
import { runtimeclasses } from './node.k8s.io/runtimeclasses';
import { ingresses } from './networking.k8s.io/ingresses';
import { ingressclasses } from './networking.k8s.io/ingressclasses';
import { networkpolicies } from './networking.k8s.io/networkpolicies';
import { nodes } from './core/nodes';
import { componentstatuses } from './core/componentstatuses';
import { bindings } from './core/bindings';
import { pods } from './core/pods';
import { podtemplates } from './core/podtemplates';
import { poddisruptionbudgets } from './policy/poddisruptionbudgets';
import { customresourcedefinitions } from './apiextensions.k8s.io/customresourcedefinitions';
import { apiservices } from './apiregistration.k8s.io/apiservices';

/** Every built-in kind kapi serves; adding one is its definition file and a line here. */
export const BUILTIN_KINDS: readonly KindDefinition[] = [
  configmaps,
  endpoints,
  events,
  eventsK8sIo,
  namespaces,
  secrets,
  serviceaccounts,
  services,
  deployments,
  hpaV2,
  hpaV1,
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
  certificatesigningrequests,
  validatingwebhookconfigurations,
  mutatingwebhookconfigurations,
  validatingadmissionpolicies,
  validatingadmissionpolicybindings,
  flowschemas,
  prioritylevelconfigurations,
  replicasets,
  statefulsets,
  daemonsets,
  controllerrevisions,
  replicationcontrollers,
  jobs,
  cronjobs,
  limitranges,
  resourcequotas,
  persistentvolumes,
  persistentvolumeclaims,
  storageclasses,
  csidrivers,
  csinodes,
  csistoragecapacities,
  volumeattachments,
  priorityclasses,
  runtimeclasses,
  ingresses,
  ingressclasses,
  networkpolicies,
  nodes,
  componentstatuses,
  pods,
  bindings,
  podtemplates,
  poddisruptionbudgets,
  customresourcedefinitions,
  apiservices,
];

export const BUILTIN_RESOURCES: readonly ResourceInfo[] = BUILTIN_KINDS.map((k) => k.info);
