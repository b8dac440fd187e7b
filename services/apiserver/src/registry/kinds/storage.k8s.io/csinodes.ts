import { csiNodeTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { csiNodeStrategy } from '../../strategies/csi';

export const csinodes: KindDefinition = {
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'csinodes',
    kind: 'CSINode',
    listKind: 'CSINodeList',
    singularName: 'csinode',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.storage.v1.CSINode',
    subresources: [],
  },
  strategy: csiNodeStrategy,
  table: csiNodeTable,
};
