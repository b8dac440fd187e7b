import { ALL_VERBS, type KindDefinition } from '../../kind';
import { nodeStrategy } from '../../strategies/nodes';
import { nodeTable } from '../../tables/nodes';

export const nodes: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    listKind: 'NodeList',
    singularName: 'node',
    namespaced: false,
    shortNames: ['no'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Node',
    subresources: [
      // served by proxy/subresource, before the router
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'], connect: true },
      { name: 'status', kind: 'Node', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: nodeStrategy,
  table: nodeTable,
  // upstream's key root predates the rename of minions to nodes
  keyRoot: 'minions',
};
