import { ALL_VERBS, type KindDefinition } from '../../kind';
import { endpointSliceStrategy } from '../../strategies/endpointslices';
import { endpointSliceTable } from '../../tables/services';
import { SystemWritableStore } from '../../services/endpoints-store';
import { systemEndpointSliceStrategy } from '../../strategies/endpointslices';

export const endpointslices: KindDefinition = {
  info: {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    listKind: 'EndpointSliceList',
    singularName: 'endpointslice',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.discovery.v1.EndpointSlice',
    subresources: [],
    storageVersion: 'v1beta1',
  },
  strategy: endpointSliceStrategy,
  table: endpointSliceTable,
  newStore: (def, deps) => new SystemWritableStore(def.info, def.strategy, systemEndpointSliceStrategy, deps),
};
