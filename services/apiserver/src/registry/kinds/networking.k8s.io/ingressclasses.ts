import { ingressClassTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { ingressClassStrategy } from '../../strategies/ingresses';

export const ingressclasses: KindDefinition = {
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingressclasses',
    kind: 'IngressClass',
    listKind: 'IngressClassList',
    singularName: 'ingressclass',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.networking.v1.IngressClass',
    subresources: [],
  },
  strategy: ingressClassStrategy,
  table: ingressClassTable,
};
