import { storageClassTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { storageClassStrategy } from '../../strategies/storageclasses';

export const storageclasses: KindDefinition = {
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    listKind: 'StorageClassList',
    singularName: 'storageclass',
    namespaced: false,
    shortNames: ['sc'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.storage.v1.StorageClass',
    subresources: [],
  },
  strategy: storageClassStrategy,
  table: storageClassTable,
};
