import type { KubeObject } from '../../api/object';
import type { Subject } from '../../generated/k8s.io.api.rbac.v1';
import {
  ageColumn,
  ageOf,
  CREATION_TIMESTAMP_DESCRIPTION,
  nameColumn,
  nameOf,
  text,
} from '../../registry/tables/common';
import { column, type TableConverter } from '../../registry/tables/types';

const ROLE_BINDING_ROLE_REF =
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';
const CLUSTER_ROLE_BINDING_ROLE_REF =
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';

/** Go's time.Time.UTC().Format(RFC3339); a missing timestamp is Go's zero time. */
function createdAt(obj: KubeObject): string {
  const ts = obj.metadata?.creationTimestamp;
  if (typeof ts !== 'string' || ts === '') return '0001-01-01T00:00:00Z';
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const roleTable: TableConverter = {
  columns: [nameColumn(), column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  cells: (obj) => [nameOf(obj), createdAt(obj)],
};

export const rbacRoleTable = roleTable;
export const rbacClusterRoleTable = roleTable;

/** upstream's SubjectsStrings: users, groups, and service accounts as namespace/name. */
function subjectCells(obj: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  const subjects = Array.isArray(obj.subjects) ? (obj.subjects as Subject[]) : [];
  for (const s of subjects) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingTable(roleRefDescription: string, owner: string): TableConverter {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', roleRefDescription),
      ageColumn(),
      column('Users', 'string', `Users in the ${owner}`, { priority: 1 }),
      column('Groups', 'string', `Groups in the ${owner}`, { priority: 1 }),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${owner}`, { priority: 1 }),
    ],
    cells: (obj, now) => {
      const ref = (obj.roleRef ?? {}) as { kind?: unknown; name?: unknown };
      return [nameOf(obj), `${text(ref.kind)}/${text(ref.name)}`, ageOf(obj, now), ...subjectCells(obj)];
    },
  };
}

export const rbacRoleBindingTable = bindingTable(ROLE_BINDING_ROLE_REF, 'roleBinding');
export const rbacClusterRoleBindingTable = bindingTable(CLUSTER_ROLE_BINDING_ROLE_REF, 'clusterRoleBinding');
