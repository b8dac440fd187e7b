import { apiServiceTable } from '../../tables/apiservices';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { apiServiceStrategy } from '../../strategies/apiservices';

export const apiservices: KindDefinition = {
  info: {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    resource: 'apiservices',
    kind: 'APIService',
    listKind: 'APIServiceList',
    singularName: 'apiservice',
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService',
    subresources: [{ name: 'status', kind: 'APIService', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: apiServiceStrategy,
  table: apiServiceTable,
  // upstream keeps them under the group's name, not the bare resource
  keyRoot: 'apiregistration.k8s.io/apiservices',
};
