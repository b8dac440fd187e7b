import { ALL_VERBS, type KindDefinition } from '../../kind';
import { daemonSetStrategy } from '../../strategies/daemonsets';
import { daemonSetTable } from '../../tables/workloads';

export const daemonsets: KindDefinition = {
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    listKind: 'DaemonSetList',
    singularName: 'daemonset',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.apps.v1.DaemonSet',
    subresources: [{ name: 'status', kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: daemonSetStrategy,
  table: daemonSetTable,
};
