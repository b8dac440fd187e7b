import type { FieldError } from '../../api/errors';
import type { Lease } from '../../generated/k8s.io.api.coordination.v1';
import { forbidden, invalid, notSupported } from '../validation/field';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import {
  forStore,
  keepOldGeneration,
  numberAt,
  objectAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type HasMeta,
  type KindStrategy,
} from './common';

const KNOWN_LEASE_STRATEGIES = ['OldestEmulationVersion'];

function validateLeaseStrategyName(strategy: string, path: string): FieldError[] {
  if (!strategy.includes('/')) {
    return KNOWN_LEASE_STRATEGIES.includes(strategy) ? [] : [notSupported(path, strategy, KNOWN_LEASE_STRATEGIES)];
  }
  return isQualifiedName(strategy).map((msg) => invalid(path, strategy, msg));
}

export function validateLeaseSpec(obj: HasMeta): FieldError[] {
  const errs: FieldError[] = [];
  const spec = objectAt(obj, 'spec');
  const duration = numberAt(spec, 'leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = numberAt(spec, 'leaseTransitions');
  if (transitions !== undefined && transitions < 0) {
    errs.push(invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  }
  const strategy = spec?.strategy;
  if (typeof strategy === 'string') errs.push(...validateLeaseStrategyName(strategy, 'spec.strategy.strategy'));
  if (stringAt(spec, 'preferredHolder') !== '' && !stringAt(spec, 'strategy')) {
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

/** strategy/preferredHolder belong to the CoordinatedLeaderElection alpha, off by default: dropped unless already in use. */
function dropAlphaFields(obj: Lease, old?: Lease): void {
  const spec = objectAt(obj, 'spec');
  if (!spec) return;
  const oldSpec = old ? objectAt(old, 'spec') : undefined;
  if (oldSpec?.strategy === undefined) delete spec.strategy;
  if (oldSpec?.preferredHolder === undefined) delete spec.preferredHolder;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const leaseStrategy: KindStrategy = forStore<Lease>({
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: false,

  prepareForCreate(obj) {
    dropAlphaFields(obj);
  },

  prepareForUpdate(obj, old) {
    dropAlphaFields(obj, old);
    keepOldGeneration(obj, old);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateLeaseSpec(obj)];
  },

  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateLeaseSpec(obj)];
  },
});
