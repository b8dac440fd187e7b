import { newInternalError } from '../../../api/errors';
import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { serviceAccountStrategy } from '../../strategies/serviceaccounts';
import { serviceAccountTable } from '../../tables/services';

export const serviceaccounts: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    listKind: 'ServiceAccountList',
    singularName: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.ServiceAccount',
    subresources: [
      { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
    ],
  },
  strategy: serviceAccountStrategy,
  table: serviceAccountTable,
  newStore: (def, deps) => {
    const store = new GenericStore(def.info, def.strategy, deps);
    store.subresourceCreators.set('token', async (namespace, name, body) => {
      const sa = await store.get(namespace, name);
      const issue = deps.security.issueToken;
      if (!issue) throw newInternalError('no service account token issuer is configured');
      const spec = body.spec && typeof body.spec === 'object' ? (body.spec as Record<string, unknown>) : {};
      return issue({ namespace, serviceAccount: { name, uid: sa.metadata?.uid ?? '' }, spec });
    });
    return store;
  },
};
