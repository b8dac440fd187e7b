import { reviewKind } from '../../reviews/review-kind';
import { accessReviewer, validateAccessReview } from '../../reviews/reviewers';

export const subjectaccessreviews = reviewKind({
  group: 'authorization.k8s.io',
  resource: 'subjectaccessreviews',
  kind: 'SubjectAccessReview',
  validate: (obj) => validateAccessReview('SubjectAccessReview', obj),
  reviewer: (deps) => accessReviewer(deps.security, false),
});
