import { ALL_VERBS, type KindDefinition } from '../../kind';
import { configMapStrategy } from '../../strategies/configmaps';
import { configMapTable } from '../../tables/core';

export const configmaps: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    singularName: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.ConfigMap',
    subresources: [],
  },
  strategy: configMapStrategy,
  table: configMapTable,
};
