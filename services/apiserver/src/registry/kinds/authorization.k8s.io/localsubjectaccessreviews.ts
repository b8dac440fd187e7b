import { reviewKind } from '../../reviews/review-kind';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const localsubjectaccessreviews = reviewKind({
  group: 'authorization.k8s.io',
  resource: 'localsubjectaccessreviews',
  kind: 'LocalSubjectAccessReview',
  namespaced: true,
  validate: (obj) => validateAccessReview('Local', obj),
  reviewer: (deps) => accessReviewer(deps.security, false),
});
