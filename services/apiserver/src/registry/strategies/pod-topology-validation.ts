import type { FieldError } from '../../api/errors';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isQualifiedName } from '../validation/names';
import { arrayAt, objectsAt, stringAt, type Obj } from './common';
import { selectorKeys } from './pod-affinity-validation';

/** spec.topologySpreadConstraints as upstream's validateTopologySpreadConstraints checks them. */

const NOT_POSITIVE = 'must be greater than zero';
const SCHEDULE_ACTIONS = ['DoNotSchedule', 'ScheduleAnyway'];
const NODE_INCLUSION_POLICIES = ['Honor', 'Ignore'];

function validateMinDomains(c: Obj, path: string): FieldError[] {
  const minDomains = c.minDomains;
  if (typeof minDomains !== 'number') return [];
  const errs: FieldError[] = [];
  if (minDomains <= 0) errs.push(invalid(path, minDomains, NOT_POSITIVE));
  const action = stringAt(c, 'whenUnsatisfiable');
  if (action !== 'DoNotSchedule') {
    errs.push(invalid(path, minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
  }
  return errs;
}

function validateNodeInclusionPolicy(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'string' || NODE_INCLUSION_POLICIES.includes(value)) return [];
  return [notSupported(path, value, NODE_INCLUSION_POLICIES)];
}

function validateMatchLabelKeys(c: Obj, path: string): FieldError[] {
  const keys = arrayAt(c, 'matchLabelKeys').map((k) => (typeof k === 'string' ? k : String(k)));
  if (keys.length === 0) return [];
  const selector = asLabelSelector(c.labelSelector);
  const errs: FieldError[] = [];
  if (!selector) errs.push(forbidden(path, 'must not be specified when labelSelector is not set'));
  const inSelector = new Set(selectorKeys(selector));
  keys.forEach((key, i) => {
    for (const msg of isQualifiedName(key)) errs.push(invalid(index(path, i), key, msg));
    if (inSelector.has(key)) errs.push(invalid(index(path, i), key, 'exists in both matchLabelKeys and labelSelector'));
  });
  return errs;
}

export function validateTopologySpreadConstraints(spec: Obj, specPath: string): FieldError[] {
  const path = child(specPath, 'topologySpreadConstraints');
  const constraints = objectsAt(spec, 'topologySpreadConstraints');
  const errs: FieldError[] = [];
  constraints.forEach((c, i) => {
    const p = index(path, i);
    const maxSkew = typeof c.maxSkew === 'number' ? c.maxSkew : 0;
    if (maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), maxSkew, NOT_POSITIVE));
    const topologyKey = stringAt(c, 'topologyKey');
    if (topologyKey === '') errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    const action = stringAt(c, 'whenUnsatisfiable');
    if (!SCHEDULE_ACTIONS.includes(action))
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), action, SCHEDULE_ACTIONS));
    // the pair {topologyKey, whenUnsatisfiable} names one kind of constraint; the first of a repeat is reported
    const repeated = constraints
      .slice(i + 1)
      .some((o) => stringAt(o, 'topologyKey') === topologyKey && stringAt(o, 'whenUnsatisfiable') === action);
    if (repeated) {
      errs.push(duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${topologyKey}, ${action}}`));
    }
    errs.push(...validateMinDomains(c, child(p, 'minDomains')));
    errs.push(...validateNodeInclusionPolicy(c.nodeAffinityPolicy, child(p, 'nodeAffinityPolicy')));
    errs.push(...validateNodeInclusionPolicy(c.nodeTaintsPolicy, child(p, 'nodeTaintsPolicy')));
    errs.push(...validateMatchLabelKeys(c, child(p, 'matchLabelKeys')));
    errs.push(...validateLabelSelector(asLabelSelector(c.labelSelector), child(p, 'labelSelector')));
  });
  return errs;
}
