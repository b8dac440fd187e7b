import { ALL_VERBS, type KindDefinition } from '../../kind';
import { validatingAdmissionPolicyStrategy } from '../../strategies/admission-policies';
import { validatingAdmissionPolicyTable } from '../../tables/admissionregistration';

export const validatingadmissionpolicies: KindDefinition = {
  info: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
    listKind: 'ValidatingAdmissionPolicyList',
    singularName: 'validatingadmissionpolicy',
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.admissionregistration.v1.ValidatingAdmissionPolicy',
    subresources: [{ name: 'status', kind: 'ValidatingAdmissionPolicy', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: validatingAdmissionPolicyStrategy,
  table: validatingAdmissionPolicyTable,
};
