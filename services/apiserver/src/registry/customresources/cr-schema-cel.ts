import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import {
  CelCostLimitError,
  compileExpression,
  CostBudget,
  toCelValue,
  type CompiledExpression,
} from '../../admission/cel/compile';
import type {
  JSONSchemaProps,
  ValidationRule,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { duplicate, forbidden, invalid, required } from '../validation/field';

type Compiled = { rule: CompiledExpression; message?: CompiledExpression; transition: boolean } | { error: string };

// rules are compiled once per rule text (definitions share many)
const compiled = new Map<string, Compiled>();

/** The rule compiled (cached by its text), or why it does not compile. */
export function compileRule(r: ValidationRule): Compiled {
  const id = JSON.stringify([r.rule, r.messageExpression]);
  let c = compiled.get(id);
  if (!c) {
    try {
      const variables = { self: 'dyn', oldSelf: 'dyn' } as const;
      const rule = compileExpression(r.rule ?? '', { variables, resultTypes: ['bool'] });
      const message = r.messageExpression
        ? compileExpression(r.messageExpression, { variables, resultTypes: ['string'] })
        : undefined;
      c = { rule, message, transition: /\boldSelf\b/.test(r.rule ?? '') };
    } catch (e) {
      c = { error: `compilation failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (compiled.size < 10_000) compiled.set(id, c);
  }
  return c;
}

/** The error a failed rule reports: its reason, at its fieldPath below the node. */
function ruleError(path: string, s: JSONSchemaProps, r: ValidationRule, message: string): FieldError {
  const at = r.fieldPath ? `${path}${r.fieldPath}` : path;
  switch (r.reason) {
    case 'FieldValueForbidden':
      return forbidden(at, message);
    case 'FieldValueRequired':
      return required(at, message);
    case 'FieldValueDuplicate':
      return duplicate(at, s.type ?? '');
    default:
      return invalid(at, s.type ?? '', message);
  }
}

function evaluateRules(
  path: string,
  s: JSONSchemaProps,
  value: unknown,
  old: unknown,
  budget: CostBudget,
  errs: FieldError[],
): void {
  for (const r of s['x-kubernetes-validations'] ?? []) {
    const c = compileRule(r);
    if ('error' in c) {
      errs.push(invalid(path, s.type ?? '', c.error));
      continue;
    }
    // transition rules compare with the old value, so they wait for an update that has one
    if (c.transition && old === undefined) continue;
    const activation = { self: toCelValue(value), oldSelf: old === undefined ? null : toCelValue(old) };
    try {
      if (c.rule.evaluate(activation, { budget }) === true) continue;
      let message = r.message || `failed rule: ${r.rule ?? ''}`;
      if (c.message) {
        const m = c.message.evaluate(activation, { budget });
        if (typeof m === 'string' && m.trim() !== '') message = m;
      }
      errs.push(ruleError(path, s, r, message));
    } catch (e) {
      if (e instanceof CelCostLimitError && e.scope === 'budget') {
        errs.push(invalid(path, s.type ?? '', e.message));
        throw e;
      }
      errs.push(invalid(path, s.type ?? '', `${r.rule ?? ''}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}

function walk(
  path: string,
  s: JSONSchemaProps | undefined,
  value: unknown,
  old: unknown,
  budget: CostBudget,
  errs: FieldError[],
): void {
  if (!s || value === undefined || value === null) return;
  if (isPlainObject(value)) {
    const oldObj = isPlainObject(old) ? old : undefined;
    const at = (k: string): string => (path ? `${path}.${k}` : k);
    for (const [k, sub] of Object.entries(s.properties ?? {})) walk(at(k), sub, value[k], oldObj?.[k], budget, errs);
    const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (values) for (const k of Object.keys(value)) walk(at(k), values, value[k], oldObj?.[k], budget, errs);
  } else if (Array.isArray(value)) {
    const items = Array.isArray(s.items) ? s.items[0] : s.items;
    // only items of map lists correlate with old items, by their keys
    const keys = s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldItems = Array.isArray(old) ? old : [];
    value.forEach((item, i) => {
      const prior =
        keys && isPlainObject(item)
          ? oldItems.find((o) => isPlainObject(o) && keys.every((k) => o[k] === item[k]))
          : undefined;
      walk(`${path}[${i}]`, items, item, prior, budget, errs);
    });
  }
  evaluateRules(path, s, value, old, budget, errs);
}

/** Upstream's x-kubernetes-validations: every rule of every node the object reaches, old values for transitions. */
export function validateCelRules(obj: unknown, old: unknown, schema: JSONSchemaProps | undefined): FieldError[] {
  const errs: FieldError[] = [];
  try {
    walk('', schema, obj, old, new CostBudget(), errs);
  } catch (e) {
    if (!(e instanceof CelCostLimitError)) throw e;
  }
  return errs;
}
