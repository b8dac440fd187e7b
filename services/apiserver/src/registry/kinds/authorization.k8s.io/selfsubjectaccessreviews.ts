import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const selfsubjectaccessreviews: KindDefinition = {
  info: {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    listKind: 'SelfSubjectAccessReviewList',
    singularName: 'selfsubjectaccessreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
    subresources: [],
  },
  strategy: {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: (obj) => validateAccessReview('Self', obj),
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, accessReviewer(deps.security, true)),
};
