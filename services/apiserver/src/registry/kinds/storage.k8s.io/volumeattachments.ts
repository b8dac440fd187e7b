import { volumeAttachmentTable } from '../../tables/storage';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { volumeAttachmentStrategy } from '../../strategies/volumeattachments';

export const volumeattachments: KindDefinition = {
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'volumeattachments',
    kind: 'VolumeAttachment',
    listKind: 'VolumeAttachmentList',
    singularName: 'volumeattachment',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.storage.v1.VolumeAttachment',
    subresources: [{ name: 'status', kind: 'VolumeAttachment', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: volumeAttachmentStrategy,
  table: volumeAttachmentTable,
};
