import { ingressTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { ingressStrategy } from '../../strategies/ingresses';

export const ingresses: KindDefinition = {
  info: {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    kind: 'Ingress',
    listKind: 'IngressList',
    singularName: 'ingress',
    namespaced: true,
    shortNames: ['ing'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.networking.v1.Ingress',
    subresources: [{ name: 'status', kind: 'Ingress', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: ingressStrategy,
  table: ingressTable,
  // upstream keeps Ingresses under ingress/ (the singular, from extensions/v1beta1 days)
  keyRoot: 'ingress',
};
