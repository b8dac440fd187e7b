import { priorityClassTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { PriorityClassStore } from '../../priorityclasses/priorityclass-store';
import { priorityClassStrategy } from '../../strategies/priorityclasses';

export const priorityclasses: KindDefinition = {
  info: {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    kind: 'PriorityClass',
    listKind: 'PriorityClassList',
    singularName: 'priorityclass',
    namespaced: false,
    shortNames: ['pc'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.scheduling.v1.PriorityClass',
    subresources: [],
  },
  strategy: priorityClassStrategy,
  table: priorityClassTable,
  newStore: (def, deps) => new PriorityClassStore(def.info, def.strategy, deps),
};
