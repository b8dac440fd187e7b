import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { tokenReviewer } from '../../reviews/reviewers';

export const tokenreviews: KindDefinition = {
  info: {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'tokenreviews',
    kind: 'TokenReview',
    listKind: 'TokenReviewList',
    singularName: 'tokenreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authentication.v1.TokenReview',
    subresources: [],
  },
  strategy: {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: () => [],
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, tokenReviewer(deps.security)),
};
