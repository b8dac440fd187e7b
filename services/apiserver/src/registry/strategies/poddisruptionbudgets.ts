import type { FieldError } from '../../api/errors';
import type { PodDisruptionBudget } from '../../generated/k8s.io.api.policy.v1';
import { child, GoValue, goQuote, invalid, notSupported, validateNonnegative } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isValidPercent, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  forStore,
  metaOf,
  nextGeneration,
  numberAt,
  objectAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { validateStatusCounters } from './workload-common';

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };
const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
export const PDB_STATUS_COUNTERS = ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'];

type IntOrString = number | string;

function goIntOrString(v: IntOrString): GoValue {
  if (typeof v === 'string') return new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  return new GoValue(`intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`);
}

/** ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent, as minAvailable and maxUnavailable get them. */
function validateBudgetValue(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return validateNonnegative(v, path);
  if (typeof v !== 'string') return [];
  const errs = isValidPercent(v).map((msg) => invalid(path, goIntOrString(v), msg));
  if (errs.length === 0 && Number.parseInt(v, 10) > 100) {
    errs.push(invalid(path, goIntOrString(v), 'must not be greater than 100%'));
  }
  return errs;
}

function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec: Obj = objectAt(pdb, 'spec') ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid('spec', new GoValue(JSON.stringify(spec)), 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateBudgetValue(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateBudgetValue(spec.maxUnavailable, 'spec.maxUnavailable'));
  const selector = asLabelSelector(spec.selector);
  if (selector) errs.push(...validateLabelSelector(selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (typeof policy === 'string' && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(notSupported(child('spec', 'unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

/** Go prints the status struct's four counters even at zero. */
export function emptyPdbStatus(): Obj {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

export const podDisruptionBudgetStrategy: KindStrategy = forStore<PodDisruptionBudget>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  prepareForCreate(pdb) {
    pdb.status = emptyPdbStatus();
    metaOf(pdb).generation = 1;
  },
  prepareForUpdate(pdb, old) {
    pdb.status = deepClone(old.status) ?? emptyPdbStatus();
    nextGeneration(pdb, old, !semanticEqual(pdb.spec, old.spec));
  },
  validate(pdb) {
    return [...validateMetaCreate(pdb, metaRules), ...validateSpec(pdb)];
  },
  validateUpdate(pdb, old) {
    return [
      ...validateMetaUpdate(pdb, old),
      ...validateSpec(pdb),
      ...validateStatusCounters(pdb.status, PDB_STATUS_COUNTERS),
    ];
  },
});

/** disruptionsAllowed of a stored budget, 0 when the controller has not written it. */
export function disruptionsAllowedOf(pdb: Obj): number {
  return numberAt(objectAt(pdb, 'status'), 'disruptionsAllowed') ?? 0;
}
