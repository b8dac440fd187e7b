import { csiDriverTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { csiDriverStrategy } from '../../strategies/csi';

export const csidrivers: KindDefinition = {
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csidrivers',
    kind: 'CSIDriver',
    listKind: 'CSIDriverList',
    singularName: 'csidriver',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.storage.v1.CSIDriver',
    subresources: [],
  },
  strategy: csiDriverStrategy,
  table: csiDriverTable,
};
