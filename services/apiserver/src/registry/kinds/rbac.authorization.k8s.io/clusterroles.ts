import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { clusterRoleStrategy } from '../../strategies/rbac';
import { rbacClusterRoleTable } from '../../../authz/rbac/tables';

export const clusterroles: KindDefinition = {
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    listKind: 'ClusterRoleList',
    singularName: 'clusterrole',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.rbac.v1.ClusterRole',
    subresources: [],
  },
  // placeholder: the store is built with the strategy bound to the replica's security services
  strategy: clusterRoleStrategy({ apiAudiences: [] }),
  table: rbacClusterRoleTable,
  newStore: (def, deps) => new GenericStore(def.info, clusterRoleStrategy(deps.security), deps),
};
