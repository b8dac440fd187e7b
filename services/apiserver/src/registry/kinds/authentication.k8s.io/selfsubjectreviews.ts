import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { selfSubjectReviewer } from '../../reviews/reviewers';

export const selfsubjectreviews: KindDefinition = {
  info: {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    kind: 'SelfSubjectReview',
    listKind: 'SelfSubjectReviewList',
    singularName: 'selfsubjectreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authentication.v1.SelfSubjectReview',
    subresources: [],
  },
  strategy: {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: () => [],
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, selfSubjectReviewer()),
};
