import { resourceQuotaTable } from '../../tables/cluster-config';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { resourceQuotaStrategy } from '../../strategies/resourcequotas';

export const resourcequotas: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    listKind: 'ResourceQuotaList',
    singularName: 'resourcequota',
    namespaced: true,
    shortNames: ['quota'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.ResourceQuota',
    subresources: [{ name: 'status', kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: resourceQuotaStrategy,
  table: resourceQuotaTable,
};
