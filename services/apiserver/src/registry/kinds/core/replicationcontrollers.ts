import { ALL_VERBS, type KindDefinition } from '../../kind';
import { replicationControllerStrategy } from '../../strategies/replicationcontrollers';
import { replicationControllerTable } from '../../tables/workloads';

export const replicationcontrollers: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    listKind: 'ReplicationControllerList',
    singularName: 'replicationcontroller',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.ReplicationController',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'ReplicationController', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: replicationControllerStrategy,
  table: replicationControllerTable,
  // upstream keeps ReplicationControllers under controllers/ (their pre-1.0 name)
  keyRoot: 'controllers',
};
