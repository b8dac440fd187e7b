import { ALL_VERBS, type KindDefinition } from '../../kind';
import { secretStrategy } from '../../strategies/secrets';
import { secretTable } from '../../tables/core';

export const secrets: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    listKind: 'SecretList',
    singularName: 'secret',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Secret',
    subresources: [],
  },
  strategy: secretStrategy,
  table: secretTable,
};
