import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { roleStrategy } from '../../strategies/rbac';
import { rbacRoleTable } from '../../../authz/rbac/tables';

export const roles: KindDefinition = {
  info: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    kind: 'Role',
    listKind: 'RoleList',
    singularName: 'role',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.rbac.v1.Role',
    subresources: [],
  },
  // placeholder: the store is built with the strategy bound to the replica's security services
  strategy: roleStrategy({ apiAudiences: [] }),
  table: rbacRoleTable,
  newStore: (def, deps) => new GenericStore(def.info, roleStrategy(deps.security), deps),
};
