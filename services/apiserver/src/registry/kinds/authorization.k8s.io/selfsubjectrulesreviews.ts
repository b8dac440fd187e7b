import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { rulesReviewer } from '../../reviews/reviewers';

export const selfsubjectrulesreviews: KindDefinition = {
  info: {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectrulesreviews',
    kind: 'SelfSubjectRulesReview',
    listKind: 'SelfSubjectRulesReviewList',
    singularName: 'selfsubjectrulesreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
    subresources: [],
  },
  strategy: {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: () => [],
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, rulesReviewer(deps.security)),
};
