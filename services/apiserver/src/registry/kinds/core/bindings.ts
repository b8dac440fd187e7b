import { GenericStore } from '../../generic-store';
import type { KindDefinition } from '../../kind';
import { BindingsStore } from '../../pods/bindings-store';
import { pods } from './pods';

export const bindings: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'bindings',
    kind: 'Binding',
    listKind: 'BindingList',
    singularName: 'binding',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.core.v1.Binding',
    subresources: [],
    unstored: true,
  },
  strategy: {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    // bindPod validates the Binding
    validate: () => [],
    validateUpdate: () => [],
  },
  // binds through a pod store of its own over the same storage, as upstream's BindingREST holds the pod store
  newStore: (def, deps) => new BindingsStore(def, deps, new GenericStore(pods.info, pods.strategy, deps)),
};
