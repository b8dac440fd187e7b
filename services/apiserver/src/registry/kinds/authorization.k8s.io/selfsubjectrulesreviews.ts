import { reviewKind } from '../../reviews/review-kind';
import { rulesReviewer } from '../../reviews/reviewers';

export const selfsubjectrulesreviews = reviewKind({
  group: 'authorization.k8s.io',
  resource: 'selfsubjectrulesreviews',
  kind: 'SelfSubjectRulesReview',
  reviewer: (deps) => rulesReviewer(deps.security),
});
