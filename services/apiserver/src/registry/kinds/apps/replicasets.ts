import { ALL_VERBS, type KindDefinition } from '../../kind';
import { replicaSetStrategy } from '../../strategies/replicasets';
import { replicaSetTable } from '../../tables/workloads';

export const replicasets: KindDefinition = {
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    listKind: 'ReplicaSetList',
    singularName: 'replicaset',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.apps.v1.ReplicaSet',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: replicaSetStrategy,
  table: replicaSetTable,
};
