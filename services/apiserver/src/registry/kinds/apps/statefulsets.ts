import { ALL_VERBS, type KindDefinition } from '../../kind';
import { statefulSetStrategy } from '../../strategies/statefulsets';
import { statefulSetTable } from '../../tables/workloads';

export const statefulsets: KindDefinition = {
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    listKind: 'StatefulSetList',
    singularName: 'statefulset',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.apps.v1.StatefulSet',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'StatefulSet', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: statefulSetStrategy,
  table: statefulSetTable,
};
