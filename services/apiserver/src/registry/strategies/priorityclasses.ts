import type { FieldError } from '../../api/errors';
import type { PriorityClass } from '../../generated/k8s.io.api.scheduling.v1';
import { forbidden, notSupported } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { validateImmutableField } from '../validation/objectmeta';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** Classes above this value are the system's own. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];
const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

/** The classes every cluster has, created at start and never deletable. */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    metadata: { name: 'system-node-critical' },
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    metadata: { name: 'system-cluster-critical' },
    value: 2_000_000_000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

export function isSystemPriorityClassName(name: string): boolean {
  return SYSTEM_PRIORITY_CLASSES.some((pc) => pc.metadata?.name === name);
}

/** Why a system- class is not one of the known ones (IsKnownSystemPriorityClass), '' when it is. */
function unknownSystemClassReason(pc: PriorityClass): string {
  const name = pc.metadata?.name ?? '';
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata?.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== pc.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${name} PriorityClass must be false`;
  return '';
}

export function validatePriorityClassFields(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const reason = unknownSystemClassReason(pc);
    if (reason) {
      errs.push(
        forbidden(
          'metadata.name',
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${reason}`,
        ),
      );
    }
  } else if ((pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`),
    );
  }
  const policy = pc.preemptionPolicy;
  if (policy !== undefined && !PREEMPTION_POLICIES.includes(policy)) {
    errs.push(notSupported('preemptionPolicy', policy, PREEMPTION_POLICIES));
  }
  return errs;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const priorityClassStrategy: KindStrategy = forStore<PriorityClass>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  applyDefaults(obj) {
    if (!obj.preemptionPolicy) obj.preemptionPolicy = DEFAULT_PREEMPTION_POLICY;
  },

  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validatePriorityClassFields(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old)];
    // the value is what pods were admitted with; changing it would silently reorder them
    if ((obj.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...validateImmutableField(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
    return errs;
  },
});
