import { ALL_VERBS, type KindDefinition } from '../../kind';
import { serviceAccountStrategy } from '../../strategies/serviceaccounts';
import { serviceAccountTable } from '../../tables/services';

export const serviceaccounts: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    listKind: 'ServiceAccountList',
    singularName: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.ServiceAccount',
    subresources: [],
  },
  strategy: serviceAccountStrategy,
  table: serviceAccountTable,
};
