import { ALL_VERBS, type KindDefinition } from '../../kind';
import { priorityLevelConfigurationStrategy } from '../../strategies/flowcontrol';
import { priorityLevelConfigurationTable } from '../../tables/flowcontrol';

export const prioritylevelconfigurations: KindDefinition = {
  info: {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'prioritylevelconfigurations',
    kind: 'PriorityLevelConfiguration',
    listKind: 'PriorityLevelConfigurationList',
    singularName: 'prioritylevelconfiguration',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.flowcontrol.v1.PriorityLevelConfiguration',
    subresources: [{ name: 'status', kind: 'PriorityLevelConfiguration', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: priorityLevelConfigurationStrategy,
  table: priorityLevelConfigurationTable,
};
