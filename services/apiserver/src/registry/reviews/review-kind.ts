import type { FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { KindDefinition, StoreDeps } from '../kind';
import { ReviewStore, type Reviewer } from './review-store';

/**
 * A create-only review kind (TokenReview, the access reviews, SelfSubjectReview):
 * never stored, no list type, `create` its only verb.
 */
export function reviewKind(spec: {
  group: 'authentication.k8s.io' | 'authorization.k8s.io';
  resource: string;
  kind: string;
  namespaced?: boolean;
  validate?: (obj: KubeObject) => FieldError[];
  reviewer: (deps: StoreDeps) => Reviewer;
}): KindDefinition {
  const namespaced = spec.namespaced ?? false;
  return {
    info: {
      group: spec.group,
      version: 'v1',
      resource: spec.resource,
      kind: spec.kind,
      listKind: `${spec.kind}List`,
      singularName: spec.kind.toLowerCase(),
      namespaced,
      shortNames: [],
      categories: [],
      verbs: ['create'],
      messageType: `k8s.io.api.${spec.group.split('.')[0]}.v1.${spec.kind}`,
      subresources: [],
    },
    strategy: {
      namespaced,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: false,
      validate: spec.validate ?? (() => []),
      validateUpdate: () => [],
    },
    newStore: (def, deps) => new ReviewStore(def, deps, spec.reviewer(deps)),
  };
}
