import type { FieldError } from '../../api/errors';
import { child, forbidden, index, invalid, required } from '../validation/field';
import {
  asLabelSelector,
  setOperatorValueErrors,
  validateLabelSelector,
  type LabelSelector,
} from '../validation/labelselector';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../validation/names';
import { arrayAt, numberAt, objectAt, objectsAt, stringAt, type Obj } from './common';

/**
 * spec.affinity as upstream's validateAffinity checks it: node selector terms
 * and their requirements, pod (anti-)affinity terms with their selectors,
 * match/mismatch label keys and weights. Shared by pods and templates.
 */

function labelName(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((msg) => invalid(path, key, msg));
}

function stringsAt(obj: unknown, key: string): string[] {
  return arrayAt(obj, key).map((v) => (typeof v === 'string' ? v : String(v)));
}

/** ValidateNodeSelectorRequirement (1.32 does not check the values of label requirements). */
function validateNodeSelectorRequirement(req: Obj, path: string): FieldError[] {
  const values = arrayAt(req, 'values');
  const operator = stringAt(req, 'operator');
  const errs: FieldError[] = setOperatorValueErrors(operator, values, path) ?? [];
  if (operator === 'Gt' || operator === 'Lt') {
    if (values.length !== 1) {
      errs.push(required(child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
    }
  } else if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) {
    errs.push(invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...labelName(stringAt(req, 'key'), child(path, 'key')));
  return errs;
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, with exactly one value for In/NotIn. */
function validateNodeFieldSelectorRequirement(req: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const operator = stringAt(req, 'operator');
  const values = stringsAt(req, 'values');
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(
        required(
          child(path, 'values'),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  } else {
    errs.push(invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
  }
  const key = stringAt(req, 'key');
  if (key !== 'metadata.name') errs.push(invalid(child(path, 'key'), key, 'not a valid field selector key'));
  else {
    values.forEach((v, i) => {
      for (const msg of isDNS1123Subdomain(v)) errs.push(invalid(index(child(path, 'values'), i), v, msg));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objectsAt(term, 'matchExpressions').forEach((r, j) =>
    errs.push(...validateNodeSelectorRequirement(r, index(child(path, 'matchExpressions'), j))),
  );
  objectsAt(term, 'matchFields').forEach((r, j) =>
    errs.push(...validateNodeFieldSelectorRequirement(r, index(child(path, 'matchFields'), j))),
  );
  return errs;
}

/** ValidateNodeSelector, also used by other kinds that carry a v1.NodeSelector. */
export function validateNodeSelector(selector: Obj, path: string): FieldError[] {
  const termsPath = child(path, 'nodeSelectorTerms');
  const terms = objectsAt(selector, 'nodeSelectorTerms');
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, index(termsPath, i)));
}

function validWeight(weight: number | undefined, path: string): FieldError[] {
  const w = weight ?? 0;
  return w <= 0 || w > 100 ? [invalid(path, w, 'must be in the range 1-100')] : [];
}

function validateNodeAffinity(na: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const requiredTerms = objectAt(na, 'requiredDuringSchedulingIgnoredDuringExecution');
  if (requiredTerms) {
    errs.push(...validateNodeSelector(requiredTerms, child(path, 'requiredDuringSchedulingIgnoredDuringExecution')));
  }
  const preferredPath = child(path, 'preferredDuringSchedulingIgnoredDuringExecution');
  objectsAt(na, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((term, i) => {
    const p = index(preferredPath, i);
    errs.push(...validWeight(numberAt(term, 'weight'), child(p, 'weight')));
    errs.push(...validateNodeSelectorTerm(objectAt(term, 'preference'), child(p, 'preference')));
  });
  return errs;
}

export function selectorKeys(selector: LabelSelector | undefined): string[] {
  if (!selector) return [];
  return [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)];
}

/** validateLabelKeys: label names, and only next to a selector they can narrow. */
function validateLabelKeys(keys: string[], selector: LabelSelector | undefined, path: string): FieldError[] {
  if (keys.length === 0) return [];
  if (!selector) return [forbidden(path, 'must not be specified when labelSelector is not set')];
  return keys.flatMap((k, i) => labelName(k, index(path, i)));
}

/**
 * validateMatchLabelKeysAndMismatchLabelKeys. At create the pod's own values
 * for matchLabelKeys were already merged into the selector as expressions, so
 * a key named both by the user's selector and by matchLabelKeys shows up as
 * an expression whose key the selector already had.
 */
function validateMatchAndMismatchLabelKeys(term: Obj, selector: LabelSelector | undefined, path: string): FieldError[] {
  const matchKeys = stringsAt(term, 'matchLabelKeys');
  const mismatchKeys = stringsAt(term, 'mismatchLabelKeys');
  const errs = [
    ...validateLabelKeys(matchKeys, selector, child(path, 'matchLabelKeys')),
    ...validateLabelKeys(mismatchKeys, selector, child(path, 'mismatchLabelKeys')),
  ];
  if (selector) {
    const positions = new Map<string, number>();
    matchKeys.forEach((k, i) => positions.set(k, i));
    const seen = new Set(Object.keys(selector.matchLabels ?? {}));
    for (const expr of selector.matchExpressions ?? []) {
      const i = positions.get(expr.key);
      // upstream reports this one at `<term>[i]`, without the matchLabelKeys step
      if (i !== undefined && seen.has(expr.key)) {
        errs.push(invalid(index(path, i), expr.key, 'exists in both matchLabelKeys and labelSelector'));
      }
      seen.add(expr.key);
    }
  }
  const mismatch = new Set(mismatchKeys);
  matchKeys.forEach((k, i) => {
    if (mismatch.has(k)) {
      errs.push(
        invalid(index(child(path, 'matchLabelKeys'), i), k, 'exists in both matchLabelKeys and mismatchLabelKeys'),
      );
    }
  });
  return errs;
}

function validatePodAffinityTerm(term: Obj, path: string): FieldError[] {
  const selector = asLabelSelector(term.labelSelector);
  const errs = [
    ...validateLabelSelector(selector, child(path, 'labelSelector')),
    ...validateLabelSelector(asLabelSelector(term.namespaceSelector), child(path, 'namespaceSelector')),
  ];
  for (const ns of stringsAt(term, 'namespaces')) {
    // upstream reports every bad namespace at `namespace`, singular
    for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(path, 'namespace'), ns, msg));
  }
  errs.push(...validateMatchAndMismatchLabelKeys(term, selector, path));
  const topologyKey = stringAt(term, 'topologyKey');
  if (topologyKey === '') errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  errs.push(...labelName(topologyKey, child(path, 'topologyKey')));
  return errs;
}

function validatePodAffinityKind(affinity: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const requiredPath = child(path, 'requiredDuringSchedulingIgnoredDuringExecution');
  objectsAt(affinity, 'requiredDuringSchedulingIgnoredDuringExecution').forEach((term, i) =>
    errs.push(...validatePodAffinityTerm(term, index(requiredPath, i))),
  );
  const preferredPath = child(path, 'preferredDuringSchedulingIgnoredDuringExecution');
  objectsAt(affinity, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((weighted, i) => {
    const p = index(preferredPath, i);
    errs.push(...validWeight(numberAt(weighted, 'weight'), child(p, 'weight')));
    errs.push(...validatePodAffinityTerm(objectAt(weighted, 'podAffinityTerm') ?? {}, child(p, 'podAffinityTerm')));
  });
  return errs;
}

export function validateAffinity(spec: Obj, specPath: string): FieldError[] {
  const affinity = objectAt(spec, 'affinity');
  if (!affinity) return [];
  const path = child(specPath, 'affinity');
  const errs: FieldError[] = [];
  const nodeAffinity = objectAt(affinity, 'nodeAffinity');
  if (nodeAffinity) errs.push(...validateNodeAffinity(nodeAffinity, child(path, 'nodeAffinity')));
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = objectAt(affinity, kind);
    if (a) errs.push(...validatePodAffinityKind(a, child(path, kind)));
  }
  return errs;
}

function termsOf(affinity: Obj | undefined): Obj[] {
  if (!affinity) return [];
  return [
    ...objectsAt(affinity, 'requiredDuringSchedulingIgnoredDuringExecution'),
    ...objectsAt(affinity, 'preferredDuringSchedulingIgnoredDuringExecution')
      .map((w) => objectAt(w, 'podAffinityTerm'))
      .filter((t): t is Obj => t !== undefined),
  ];
}

function mergeLabelKeys(selector: Obj, keys: string[], operator: string, labels: Record<string, string>): void {
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(labels, key)) continue;
    const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    exprs.push({ key, operator, values: [labels[key]] });
    selector.matchExpressions = exprs;
  }
}

/**
 * The pod strategy's create-time mutation for MatchLabelKeysInPodAffinity (on
 * by default in 1.32): each key's value on the pod becomes an In (match) or
 * NotIn (mismatch) expression of the term's selector. A term without a
 * selector matches nothing and is left alone.
 */
export function applyMatchLabelKeysToPodAffinity(spec: Obj, labels: Record<string, string>): void {
  const affinity = objectAt(spec, 'affinity');
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    for (const term of termsOf(objectAt(affinity, kind))) {
      const selector = objectAt(term, 'labelSelector');
      if (!selector) continue;
      mergeLabelKeys(selector, stringsAt(term, 'matchLabelKeys'), 'In', labels);
      mergeLabelKeys(selector, stringsAt(term, 'mismatchLabelKeys'), 'NotIn', labels);
    }
  }
}
