import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { clusterRoleBindingStrategy } from '../../strategies/rbac';
import { rbacClusterRoleBindingTable } from '../../../authz/rbac/tables';

export const clusterrolebindings: KindDefinition = {
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    listKind: 'ClusterRoleBindingList',
    singularName: 'clusterrolebinding',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.rbac.v1.ClusterRoleBinding',
    subresources: [],
  },
  // placeholder: the store is built with the strategy bound to the replica's security services
  strategy: clusterRoleBindingStrategy({ apiAudiences: [] }),
  table: rbacClusterRoleBindingTable,
  newStore: (def, deps) => new GenericStore(def.info, clusterRoleBindingStrategy(deps.security), deps),
};
