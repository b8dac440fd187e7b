import type { FieldError } from '../../api/errors';
import type { StatefulSet } from '../../generated/k8s.io.api.apps.v1';
import { child, forbidden, invalid, notSupported, required, validateNonnegative } from '../validation/field';
import { asLabelSelector } from '../validation/labelselector';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  ensureObject,
  forStore,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
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

const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const RETENTION_POLICIES = ['Retain', 'Delete'];

/**
 * SetDefaults_StatefulSet for what 1.32 enables by default: the PVC retention
 * policy (StatefulSetAutoDeletePVC is on) but no rollingUpdate.maxUnavailable
 * (MaxUnavailableStatefulSet is alpha). Claim templates get the PVC defaults.
 */
export function applyStatefulSetDefaults(obj: StatefulSet): void {
  const spec = ensureObject(obj, 'spec');
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const updateStrategy = ensureObject(spec, 'updateStrategy');
  if (!updateStrategy.type) updateStrategy.type = 'RollingUpdate';
  if (updateStrategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(updateStrategy, 'rollingUpdate');
    if (typeof rollingUpdate.partition !== 'number') rollingUpdate.partition = 0;
  }
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  if (typeof spec.replicas !== 'number') spec.replicas = 1;
  if (typeof spec.revisionHistoryLimit !== 'number') spec.revisionHistoryLimit = DEFAULT_REVISION_HISTORY_LIMIT;
  defaultPodTemplateSpec(ensureObject(spec, 'template'));
  for (const claim of objectsAt(spec, 'volumeClaimTemplates')) {
    const claimSpec = ensureObject(claim, 'spec');
    if (!claimSpec.volumeMode) claimSpec.volumeMode = 'Filesystem';
    const status = ensureObject(claim, 'status');
    if (!status.phase) status.phase = 'Pending';
  }
}

function validatePodManagementPolicy(policy: string): FieldError[] {
  const path = 'spec.podManagementPolicy';
  if (policy === '') return [required(path)];
  if (policy === 'OrderedReady' || policy === 'Parallel') return [];
  return [invalid(path, policy, "must be 'OrderedReady' or 'Parallel'")];
}

function validateUpdateStrategy(strategy: Obj | undefined): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = stringAt(strategy, 'type');
  const rollingUpdate = objectAt(strategy, 'rollingUpdate');
  switch (type) {
    case '':
      return [required(path)];
    case 'OnDelete':
      return rollingUpdate
        ? [invalid(child(path, 'rollingUpdate'), rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")]
        : [];
    case 'RollingUpdate':
      return validateNonnegative(numberAt(rollingUpdate, 'partition'), child(path, 'rollingUpdate.partition'));
    default:
      return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateRetentionPolicy(policy: Obj | undefined): FieldError[] {
  const path = 'spec.persistentVolumeClaimRetentionPolicy';
  if (!policy) return [];
  return ['whenDeleted', 'whenScaled'].flatMap((f) => {
    const v = stringAt(policy, f);
    return RETENTION_POLICIES.includes(v) ? [] : [notSupported(child(path, f), v, RETENTION_POLICIES)];
  });
}

function validateStatefulSetSpec(obj: StatefulSet): FieldError[] {
  const spec: Obj = objectAt(obj, 'spec') ?? {};
  const errs = [
    ...validatePodManagementPolicy(stringAt(spec, 'podManagementPolicy')),
    ...validateUpdateStrategy(objectAt(spec, 'updateStrategy')),
    ...validateRetentionPolicy(objectAt(spec, 'persistentVolumeClaimRetentionPolicy')),
    ...validateNonnegative(numberAt(spec, 'replicas'), 'spec.replicas'),
    ...validateNonnegative(numberAt(objectAt(spec, 'ordinals'), 'start'), 'spec.ordinals.start'),
    ...validateNonnegative(numberAt(spec, 'minReadySeconds'), 'spec.minReadySeconds'),
    ...validateRequiredSelector(spec, 'spec', 'statefulset'),
  ];
  const template = objectAt(spec, 'template');
  if (template)
    errs.push(...validateSelectorMatchesTemplate(asLabelSelector(spec.selector), template, 'spec.template'));
  errs.push(
    ...validateControllerTemplate(template, 'spec.template', {
      restartPolicies: ['Always'],
      noActiveDeadlineFor: 'StatefulSet',
      metadataOnly: true,
    }),
  );
  errs.push(...validateNonnegative(numberAt(spec, 'revisionHistoryLimit'), 'spec.revisionHistoryLimit'));
  return errs;
}

/** The spec fields a StatefulSet update may change; everything else is fixed at creation. */
const MUTABLE_SPEC_FIELDS = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function validateStatefulSetSpecUpdate(obj: StatefulSet, old: StatefulSet): FieldError[] {
  const next: Obj = deepClone(objectAt(obj, 'spec')) ?? {};
  const prev: Obj = deepClone(objectAt(old, 'spec')) ?? {};
  for (const f of MUTABLE_SPEC_FIELDS) {
    delete next[f];
    delete prev[f];
  }
  if (semanticEqual(next, prev)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

const STATUS_COUNTERS = [
  'replicas',
  'readyReplicas',
  'currentReplicas',
  'updatedReplicas',
  'availableReplicas',
  'observedGeneration',
];

function validateStatefulSetStatus(status: unknown): FieldError[] {
  const errs = validateStatusCounters(status, STATUS_COUNTERS);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    errs.push(...validateNotGreater(status, f, 'replicas', 'status.replicas'));
  }
  errs.push(...validateNotGreater(status, 'availableReplicas', 'readyReplicas', 'status.readyReplicas'));
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const statefulSetStrategy: KindStrategy = forStore<StatefulSet>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyStatefulSetDefaults,
  prepareForCreate: resetStatusOnCreate,
  prepareForUpdate: keepStatusBumpGeneration,

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateStatefulSetSpec(obj)];
  },

  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validateStatefulSetSpec(obj),
      ...validateStatefulSetSpecUpdate(obj, old),
      ...validateStatefulSetStatus(obj.status),
    ];
  },
});
