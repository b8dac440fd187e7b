import { reviewKind } from '../../reviews/review-kind';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const selfsubjectaccessreviews = reviewKind({
  group: 'authorization.k8s.io',
  resource: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  validate: (obj) => validateAccessReview('Self', obj),
  reviewer: (deps) => accessReviewer(deps.security, true),
});
