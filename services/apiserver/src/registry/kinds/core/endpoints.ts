import { ALL_VERBS, type KindDefinition } from '../../kind';
import { endpointsStrategy } from '../../strategies/endpoints';
import { endpointsTable } from '../../tables/services';
import { SystemWritableStore } from '../../services/endpoints-store';
import { systemEndpointsStrategy } from '../../strategies/endpoints';

export const endpoints: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    kind: 'Endpoints',
    listKind: 'EndpointsList',
    singularName: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Endpoints',
    subresources: [],
  },
  strategy: endpointsStrategy,
  table: endpointsTable,
  // upstream keeps Endpoints under services/endpoints
  newStore: (def, deps) =>
    new SystemWritableStore(def.info, def.strategy, systemEndpointsStrategy, {
      ...deps,
      keyRoot: 'services/endpoints',
    }),
};
