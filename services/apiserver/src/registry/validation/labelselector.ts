import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import { child, forbidden, goQuote, goStringMap, index, invalid, required, GoValue } from './field';
import { isQualifiedName, isValidLabelValue } from './names';
import { validateLabels } from './objectmeta';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorValidationOptions {
  allowInvalidLabelValueInSelector?: boolean;
}

/**
 * The values rules of the set operators (In, NotIn, Exists, DoesNotExist), shared by label and
 * node selector requirements; undefined for any other operator.
 */
export function setOperatorValueErrors(
  operator: string,
  values: readonly unknown[],
  path: string,
): FieldError[] | undefined {
  switch (operator) {
    case 'In':
    case 'NotIn':
      return values.length === 0
        ? [required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'")]
        : [];
    case 'Exists':
    case 'DoesNotExist':
      return values.length > 0
        ? [forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")]
        : [];
    default:
      return undefined;
  }
}

/** Reads a selector out of decoded JSON, tolerating missing parts. */
export function asLabelSelector(v: unknown): LabelSelector | undefined {
  if (!isPlainObject(v)) return undefined;
  const sel: LabelSelector = {};
  if (isPlainObject(v.matchLabels)) {
    sel.matchLabels = {};
    for (const [k, val] of Object.entries(v.matchLabels)) sel.matchLabels[k] = String(val);
  }
  if (Array.isArray(v.matchExpressions)) {
    sel.matchExpressions = v.matchExpressions.map((e) => {
      const r = isPlainObject(e) ? e : {};
      const req: LabelSelectorRequirement = {
        key: typeof r.key === 'string' ? r.key : '',
        operator: typeof r.operator === 'string' ? r.operator : '',
      };
      if (Array.isArray(r.values)) req.values = r.values.map((x) => String(x));
      return req;
    });
  }
  return sel;
}

export function validateLabelSelectorRequirement(
  req: LabelSelectorRequirement,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const values = req.values ?? [];
  const errs: FieldError[] = setOperatorValueErrors(req.operator, values, path) ?? [
    invalid(child(path, 'operator'), req.operator, 'not a valid selector operator'),
  ];
  for (const msg of isQualifiedName(req.key)) errs.push(invalid(child(path, 'key'), req.key, msg));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(index(child(path, 'values'), i), v, msg));
    });
  }
  return errs;
}

export function validateLabelSelector(
  selector: LabelSelector | undefined,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (!selector) return [];
  const errs = validateLabels(selector.matchLabels, child(path, 'matchLabels'));
  (selector.matchExpressions ?? []).forEach((req, i) => {
    errs.push(...validateLabelSelectorRequirement(req, index(child(path, 'matchExpressions'), i), opts));
  });
  return errs;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0;
}

/**
 * Whether the selector converts to a usable labels.Selector (LabelSelectorAsSelector
 * succeeds): exactly when it has no strict validation errors.
 */
export function isConvertibleSelector(selector: LabelSelector): boolean {
  return validateLabelSelector(selector, '').length === 0;
}

/** Matches labels as upstream's selector; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (set[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(set, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(set[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(set[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function goStrings(values: string[] | undefined): string {
  return values === undefined ? '[]string(nil)' : `[]string{${values.map(goQuote).join(', ')}}`;
}

/** The selector as Go prints a dereferenced *metav1.LabelSelector with %#v, for error messages. */
export function goLabelSelector(selector: LabelSelector | undefined): GoValue {
  if (!selector) return new GoValue('null');
  const exprs =
    selector.matchExpressions === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${selector.matchExpressions
          .map(
            (r) =>
              `v1.LabelSelectorRequirement{Key:${goQuote(r.key)}, Operator:${goQuote(r.operator)}, Values:${goStrings(r.values)}}`,
          )
          .join(', ')}}`;
  return new GoValue(
    `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels).text}, MatchExpressions:${exprs}}`,
  );
}
