import { ALL_VERBS, type KindDefinition } from '../../kind';
import { flowSchemaStrategy } from '../../strategies/flowcontrol';
import { flowSchemaTable } from '../../tables/flowcontrol';

export const flowschemas: KindDefinition = {
  info: {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'flowschemas',
    kind: 'FlowSchema',
    listKind: 'FlowSchemaList',
    singularName: 'flowschema',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.flowcontrol.v1.FlowSchema',
    subresources: [{ name: 'status', kind: 'FlowSchema', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: flowSchemaStrategy,
  table: flowSchemaTable,
};
