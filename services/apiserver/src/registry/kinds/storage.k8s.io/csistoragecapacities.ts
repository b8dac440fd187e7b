import { csiStorageCapacityTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { csiStorageCapacityStrategy } from '../../strategies/csi';

export const csistoragecapacities: KindDefinition = {
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csistoragecapacities',
    kind: 'CSIStorageCapacity',
    listKind: 'CSIStorageCapacityList',
    singularName: 'csistoragecapacity',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.storage.v1.CSIStorageCapacity',
    subresources: [],
  },
  strategy: csiStorageCapacityStrategy,
  table: csiStorageCapacityTable,
};
