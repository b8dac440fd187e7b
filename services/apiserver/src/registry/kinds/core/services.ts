import { ALL_VERBS, type KindDefinition } from '../../kind';
import { serviceStrategy } from '../../strategies/services';
import { serviceTable } from '../../tables/services';
import { serviceAllocatorsFor } from '../../services/allocators';
import { ServiceStore } from '../../services/service-store';

export const services: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    listKind: 'ServiceList',
    singularName: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Service',
    subresources: [
      // served by proxy/subresource, before the router
      {
        name: 'proxy',
        kind: 'ServiceProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
        connect: true,
      },
      { name: 'status', kind: 'Service', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: serviceStrategy,
  table: serviceTable,
  newStore: (def, deps) =>
    new ServiceStore(def.info, def.strategy, { ...deps, allocators: serviceAllocatorsFor(deps) }),
};
