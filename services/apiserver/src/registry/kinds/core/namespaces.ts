import { type KindDefinition } from '../../kind';
import { namespaceStrategy } from '../../strategies/namespaces';
import { namespaceTable } from '../../tables/core';
import { NamespaceStore } from '../../namespaces/namespace-store';

export const namespaces: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    singularName: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    messageType: 'k8s.io.api.core.v1.Namespace',
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
      { name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: namespaceStrategy,
  table: namespaceTable,
  newStore: (def, deps) => new NamespaceStore(def.info, def.strategy, deps),
};
