import { persistentVolumeClaimTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { persistentVolumeClaimStrategy } from '../../strategies/persistentvolumeclaims';

export const persistentvolumeclaims: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    listKind: 'PersistentVolumeClaimList',
    singularName: 'persistentvolumeclaim',
    namespaced: true,
    shortNames: ['pvc'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.PersistentVolumeClaim',
    subresources: [{ name: 'status', kind: 'PersistentVolumeClaim', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: persistentVolumeClaimStrategy,
  table: persistentVolumeClaimTable,
};
