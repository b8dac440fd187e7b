import { runtimeClassTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { runtimeClassStrategy } from '../../strategies/runtimeclasses';

export const runtimeclasses: KindDefinition = {
  info: {
    group: 'node.k8s.io',
    version: 'v1',
    resource: 'runtimeclasses',
    kind: 'RuntimeClass',
    listKind: 'RuntimeClassList',
    singularName: 'runtimeclass',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.node.v1.RuntimeClass',
    subresources: [],
  },
  strategy: runtimeClassStrategy,
  table: runtimeClassTable,
};
