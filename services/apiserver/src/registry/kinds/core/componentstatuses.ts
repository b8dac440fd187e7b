import { ComponentStatusStore, defaultComponentProbes } from '../../componentstatuses/componentstatus-store';
import type { KindDefinition } from '../../kind';
import { genericClusterStrategy } from '../../strategies/generic';
import { componentStatusTable } from '../../tables/componentstatuses';

export const componentstatuses: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'componentstatuses',
    kind: 'ComponentStatus',
    listKind: 'ComponentStatusList',
    singularName: 'componentstatus',
    namespaced: false,
    shortNames: ['cs'],
    categories: [],
    verbs: ['get', 'list'],
    messageType: 'k8s.io.api.core.v1.ComponentStatus',
    subresources: [],
    unstored: true,
    deprecationWarning: 'v1 ComponentStatus is deprecated in v1.19+',
  },
  strategy: genericClusterStrategy,
  table: componentStatusTable,
  newStore: (def, deps) =>
    new ComponentStatusStore(
      def,
      deps,
      defaultComponentProbes(() => deps.storage.healthCheck()),
    ),
};
