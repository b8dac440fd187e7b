import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { roleBindingStrategy } from '../../strategies/rbac';
import { rbacRoleBindingTable } from '../../../authz/rbac/tables';

export const rolebindings: KindDefinition = {
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    listKind: 'RoleBindingList',
    singularName: 'rolebinding',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.rbac.v1.RoleBinding',
    subresources: [],
  },
  // placeholder: the store is built with the strategy bound to the replica's security services
  strategy: roleBindingStrategy({ apiAudiences: [] }),
  table: rbacRoleBindingTable,
  newStore: (def, deps) => new GenericStore(def.info, roleBindingStrategy(deps.security), deps),
};
