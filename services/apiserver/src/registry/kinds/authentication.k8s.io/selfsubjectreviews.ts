import { reviewKind } from '../../reviews/review-kind';
import { selfSubjectReviewer } from '../../reviews/reviewers';

export const selfsubjectreviews = reviewKind({
  group: 'authentication.k8s.io',
  resource: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  reviewer: () => selfSubjectReviewer(),
});
