import { persistentVolumeTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { persistentVolumeStrategy } from '../../strategies/persistentvolumes';

export const persistentvolumes: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'persistentvolumes',
    kind: 'PersistentVolume',
    listKind: 'PersistentVolumeList',
    singularName: 'persistentvolume',
    namespaced: false,
    shortNames: ['pv'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.PersistentVolume',
    subresources: [{ name: 'status', kind: 'PersistentVolume', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: persistentVolumeStrategy,
  table: persistentVolumeTable,
};
