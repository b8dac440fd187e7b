import { ALL_VERBS, type KindDefinition } from '../../kind';
import { CrdStore } from '../../customresources/crd-store';
import { crdStrategy } from '../../strategies/customresourcedefinitions';

export const customresourcedefinitions: KindDefinition = {
  info: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    singularName: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    subresources: [{ name: 'status', kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: crdStrategy,
  newStore: (def, deps) => new CrdStore(def.info, def.strategy, deps),
};
