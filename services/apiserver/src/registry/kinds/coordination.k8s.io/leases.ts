import { ALL_VERBS, type KindDefinition } from '../../kind';
import { leaseStrategy } from '../../strategies/leases';
import { leaseTable } from '../../tables/coordination';

export const leases: KindDefinition = {
  info: {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    listKind: 'LeaseList',
    singularName: 'lease',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.coordination.v1.Lease',
    subresources: [],
  },
  strategy: leaseStrategy,
  table: leaseTable,
};
