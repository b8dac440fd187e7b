import { type KindDefinition } from '../../kind';
import { ReviewStore } from '../../reviews/review-store';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const subjectaccessreviews: KindDefinition = {
  info: {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'subjectaccessreviews',
    kind: 'SubjectAccessReview',
    listKind: 'SubjectAccessReviewList',
    singularName: 'subjectaccessreview',
    namespaced: false,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    messageType: 'k8s.io.api.authorization.v1.SubjectAccessReview',
    subresources: [],
  },
  strategy: {
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: false,
    validate: (obj) => validateAccessReview('SubjectAccessReview', obj),
    validateUpdate: () => [],
  },
  newStore: (def, deps) => new ReviewStore(def, deps, accessReviewer(deps.security, false)),
};
