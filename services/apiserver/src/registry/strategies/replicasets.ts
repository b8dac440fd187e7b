import type { FieldError } from '../../api/errors';
import type { ReplicaSet } from '../../generated/k8s.io.api.apps.v1';
import { FIELD_IMMUTABLE, child, invalid, validateNonnegative } from '../validation/field';
import { asLabelSelector, goLabelSelector } from '../validation/labelselector';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  ensureObject,
  forStore,
  numberAt,
  objectAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import {
  keepStatusBumpGeneration,
  resetStatusOnCreate,
  validateControllerTemplate,
  validateNotGreater,
  validateRequiredSelector,
  validateSelectorMatchesTemplate,
  validateStatusCounters,
} from './workload-common';

/** SetDefaults_ReplicaSet, then the pod template's defaults. */
export function applyReplicaSetDefaults(obj: ReplicaSet): void {
  const spec = ensureObject(obj, 'spec');
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  defaultPodTemplateSpec(ensureObject(spec, 'template'));
}

function validateReplicaSetSpec(obj: ReplicaSet): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const errs = [
    ...validateNonnegative(numberAt(spec, 'replicas'), 'spec.replicas'),
    ...validateNonnegative(numberAt(spec, 'minReadySeconds'), 'spec.minReadySeconds'),
    // upstream shares the Deployment wording here
    ...validateRequiredSelector(spec, 'spec', 'deployment'),
  ];
  const template = objectAt(spec, 'template');
  if (template)
    errs.push(...validateSelectorMatchesTemplate(asLabelSelector(spec.selector), template, 'spec.template'));
  errs.push(
    ...validateControllerTemplate(template, 'spec.template', {
      restartPolicies: ['Always'],
      noActiveDeadlineFor: 'ReplicaSet',
    }),
  );
  return errs;
}

const REPLICA_COUNTERS = [
  'replicas',
  'fullyLabeledReplicas',
  'readyReplicas',
  'availableReplicas',
  'observedGeneration',
];

/** ValidateReplicaSetStatus; also used for ReplicationControllers, whose status has the same fields. */
export function validateReplicaCounts(status: unknown): FieldError[] {
  return [
    ...validateStatusCounters(status, REPLICA_COUNTERS),
    ...validateNotGreater(status, 'fullyLabeledReplicas', 'replicas', 'status.replicas'),
    ...validateNotGreater(status, 'readyReplicas', 'replicas', 'status.replicas'),
    ...validateNotGreater(status, 'availableReplicas', 'replicas', 'status.replicas'),
    ...validateNotGreater(status, 'availableReplicas', 'readyReplicas', 'readyReplicas'),
  ];
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const replicaSetStrategy: KindStrategy = forStore<ReplicaSet>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyReplicaSetDefaults,
  prepareForCreate: resetStatusOnCreate,
  prepareForUpdate: keepStatusBumpGeneration,

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateReplicaSetSpec(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [
      ...validateMetaUpdate(obj, old),
      ...validateReplicaSetSpec(obj),
      ...validateReplicaCounts(obj.status),
    ];
    const selector = asLabelSelector(objectAt(obj, 'spec')?.selector);
    if (!semanticEqual(selector, asLabelSelector(objectAt(old, 'spec')?.selector))) {
      errs.push(invalid(child('spec', 'selector'), goLabelSelector(selector), FIELD_IMMUTABLE));
    }
    return errs;
  },

  selectableFields(obj) {
    return { 'status.replicas': String(numberAt(obj.status, 'replicas') ?? 0) };
  },
});
