import { ALL_VERBS, type KindDefinition } from '../../kind';
import { validatingAdmissionPolicyBindingStrategy } from '../../strategies/admission-policies';
import { validatingAdmissionPolicyBindingTable } from '../../tables/admissionregistration';

export const validatingadmissionpolicybindings: KindDefinition = {
  info: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
    listKind: 'ValidatingAdmissionPolicyBindingList',
    singularName: 'validatingadmissionpolicybinding',
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding',
    subresources: [],
  },
  strategy: validatingAdmissionPolicyBindingStrategy,
  table: validatingAdmissionPolicyBindingTable,
};
