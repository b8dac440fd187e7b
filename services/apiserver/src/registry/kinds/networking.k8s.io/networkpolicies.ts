import { networkPolicyTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { networkPolicyStrategy } from '../../strategies/networkpolicies';

export const networkpolicies: KindDefinition = {
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    listKind: 'NetworkPolicyList',
    singularName: 'networkpolicy',
    namespaced: true,
    shortNames: ['netpol'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.networking.v1.NetworkPolicy',
    subresources: [],
  },
  strategy: networkPolicyStrategy,
  table: networkPolicyTable,
};
