import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const localsubjectaccessreviews: KindDefinition = {
  info: {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'localsubjectaccessreviews',
    kind: 'LocalSubjectAccessReview',
    listKind: 'LocalSubjectAccessReviewList',
    singularName: 'localsubjectaccessreview',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authorization.v1.LocalSubjectAccessReview',
    subresources: [],
  },
  strategy: {
    namespaced: true,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: (obj) => validateAccessReview('Local', obj),
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, accessReviewer(deps.security, false)),
};
