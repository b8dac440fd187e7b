import { ALL_VERBS, type KindDefinition } from '../../kind';
import { limitRangeStrategy } from '../../strategies/limitranges';

export const limitranges: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    kind: 'LimitRange',
    listKind: 'LimitRangeList',
    singularName: 'limitrange',
    namespaced: true,
    shortNames: ['limits'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.LimitRange',
    subresources: [],
  },
  strategy: limitRangeStrategy,
};
