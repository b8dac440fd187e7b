import { reviewKind } from '../../reviews/review-kind';
import { tokenReviewer } from '../../reviews/reviewers';

export const tokenreviews = reviewKind({
  group: 'authentication.k8s.io',
  resource: 'tokenreviews',
  kind: 'TokenReview',
  reviewer: (deps) => tokenReviewer(deps.security),
});
