import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import { Optional } from '@marcbachmann/cel-js';
import {
  CelCostLimitError,
  compileExpression,
  CostBudget,
  RUNTIME_CEL_COST_BUDGET,
  toCelValue,
  type CompiledExpression,
} from '../../admission/cel/compile';
import { OUT_OF_BUDGET } from '../../admission/cel/errors';
import { correlatedItem, ratchetItem, unchanged } from './cr-correlate';
import type {
  JSONSchemaProps,
  ValidationRule,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { duplicate, forbidden, invalid, required } from '../validation/field';

export type CompiledRule = {
  rule: CompiledExpression;
  message?: CompiledExpression;
  /** the rule reads oldSelf: it compares with the old value (upstream's UsesOldSelf) */
  transition: boolean;
  /** oldSelf is an optional: the rule also runs on create, with no old value */
  optionalOldSelf: boolean;
};
type Compiled = CompiledRule | { error: string } | { messageError: string; rule: CompiledExpression };

// rules are compiled once per rule text (definitions share many)
const compiled = new Map<string, Compiled>();

function compileError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function compileUncached(r: ValidationRule): Compiled {
  // an optional oldSelf is typed so: value() on a dyn receiver would leave its result's type unbound
  const variables = { self: 'dyn', oldSelf: r.optionalOldSelf === true ? 'optional<dyn>' : 'dyn' } as const;
  let rule: CompiledExpression;
  try {
    rule = compileExpression(r.rule ?? '', { variables });
  } catch (e) {
    return { error: `compilation failed: ${compileError(e)}` };
  }
  if (rule.resultType !== 'bool' && rule.resultType !== 'dyn')
    return { error: 'cel expression must evaluate to a bool' };
  let message: CompiledExpression | undefined;
  if (r.messageExpression) {
    try {
      message = compileExpression(r.messageExpression, { variables });
    } catch (e) {
      return { messageError: `messageExpression compilation failed: ${compileError(e)}`, rule };
    }
    if (message.resultType !== 'string' && message.resultType !== 'dyn') {
      return { messageError: 'messageExpression must evaluate to a string', rule };
    }
  }
  return {
    rule,
    message,
    transition: /\boldSelf\b/.test(r.rule ?? ''),
    optionalOldSelf: r.optionalOldSelf === true,
  };
}

/** The rule compiled (cached by its text), or why it or its messageExpression does not compile. */
export function compileRule(r: ValidationRule): Compiled {
  const id = JSON.stringify([r.rule, r.messageExpression, r.optionalOldSelf === true]);
  let c = compiled.get(id);
  if (!c) {
    c = compileUncached(r);
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

/** Ends the whole validation: upstream runs no further rules once a limit is hit. */
class StopValidation extends Error {}

/** Upstream's ruleErrorString: the rule's message when it has one, else the rule. */
function ruleText(r: ValidationRule): string {
  return (r.message ?? '').trim() || (r.rule ?? '').trim();
}

function failureMessage(
  c: CompiledRule,
  r: ValidationRule,
  activation: Activation,
  budget: CostBudget,
  path: string,
  s: JSONSchemaProps,
): string {
  const fallback = (r.message ?? '').trim() || `failed rule: ${ruleText(r)}`;
  if (!c.message) return fallback;
  let m: unknown;
  try {
    m = c.message.evaluate(activation, { budget });
  } catch (e) {
    if (e instanceof CelCostLimitError) {
      const text =
        e.scope === 'budget'
          ? 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run'
          : `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(r.messageExpression ?? '')}`;
      throw new StopWith(invalid(path, s.type ?? '', text));
    }
    return fallback;
  }
  const text = typeof m === 'string' ? m.trim() : '';
  return text === '' || text.includes('\n') || text.length > MAX_MESSAGE_EXPRESSION_BYTES ? fallback : text;
}

/** Upstream's MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;

class StopWith extends StopValidation {
  constructor(readonly error: FieldError) {
    super(error.message);
  }
}

type Activation = Readonly<Record<string, unknown>>;

function activationFor(c: CompiledRule, value: unknown, old: unknown): Activation {
  const self = toCelValue(value);
  if (c.optionalOldSelf) return { self, oldSelf: old === undefined ? Optional.none() : Optional.of(toCelValue(old)) };
  return { self, oldSelf: old === undefined ? null : toCelValue(old) };
}

function evaluateRules(
  path: string,
  s: JSONSchemaProps,
  value: unknown,
  old: unknown,
  prior: unknown,
  ctx: WalkContext,
): void {
  const rules = s['x-kubernetes-validations'] ?? [];
  if (rules.length === 0) return;
  const { budget, errs } = ctx;
  const type = s.type ?? '';
  if (budget.remaining <= 0) throw new StopWith(invalid(path, type, OUT_OF_BUDGET));
  // unchanged values keep passing (validation ratcheting) unless a rule compares with the old value
  const ratcheted = ctx.ratchet && unchanged(value, prior);
  for (const r of rules) {
    if (!(r.rule ?? '').trim()) continue;
    const c = compileRule(r);
    if ('error' in c) {
      errs.push(invalid(path, type, `rule compile error: ${c.error}`));
      continue;
    }
    if ('messageError' in c) {
      errs.push(invalid(path, type, `rule compile error: ${c.messageError}`));
      continue;
    }
    // transition rules compare with the old value, so they wait for an update that has one
    if (c.transition && !c.optionalOldSelf && old === undefined) continue;
    const activation = activationFor(c, value, old);
    let passed: boolean;
    try {
      passed = c.rule.evaluate(activation, { budget }) === true;
    } catch (e) {
      if (e instanceof CelCostLimitError) {
        const text =
          e.scope === 'budget'
            ? OUT_OF_BUDGET
            : `'${e.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(r)}`;
        throw new StopWith(invalid(path, type, text));
      }
      errs.push(invalid(path, type, `${e instanceof Error ? e.message : String(e)} evaluating rule: ${ruleText(r)}`));
      continue;
    }
    if (passed) continue;
    const message = failureMessage(c, r, activation, budget, path, s);
    if (ratcheted && !c.transition) continue;
    errs.push(ruleError(path, s, r, message));
  }
}

interface WalkContext {
  budget: CostBudget;
  errs: FieldError[];
  /** drop failures of unchanged values (CRDValidationRatcheting, on by default in 1.32) */
  ratchet: boolean;
}

/**
 * The rules of every node the object reaches. `old` is what oldSelf is (correlated
 * through fields and map-list keys); `prior` is what ratcheting compares with
 * (correlated by index too, in lists without a list type).
 */
function walk(
  path: string,
  s: JSONSchemaProps | undefined,
  value: unknown,
  old: unknown,
  prior: unknown,
  ctx: WalkContext,
): void {
  if (!s || value === undefined || value === null) return;
  if (isPlainObject(value)) {
    const oldObj = isPlainObject(old) ? old : undefined;
    const priorObj = isPlainObject(prior) ? prior : undefined;
    const at = (k: string): string => (path ? `${path}.${k}` : k);
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      walk(at(k), sub, value[k], oldObj?.[k], priorObj?.[k], ctx);
    }
    const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    if (values) for (const k of Object.keys(value)) walk(at(k), values, value[k], oldObj?.[k], priorObj?.[k], ctx);
  } else if (Array.isArray(value)) {
    const items = Array.isArray(s.items) ? s.items[0] : s.items;
    value.forEach((item, i) => {
      walk(`${path}[${i}]`, items, item, correlatedItem(s, item, old), ratchetItem(s, item, i, prior), ctx);
    });
  }
  evaluateRules(path, s, value, old, prior, ctx);
}

/**
 * Upstream's x-kubernetes-validations: every rule of every node the object reaches, old
 * values for transitions, one runtime cost budget for the whole object.
 */
export function validateCelRules(
  obj: unknown,
  old: unknown,
  schema: JSONSchemaProps | undefined,
  opts: { ratchet?: boolean; budget?: number } = {},
): FieldError[] {
  const ctx: WalkContext = {
    budget: new CostBudget(opts.budget ?? RUNTIME_CEL_COST_BUDGET),
    errs: [],
    ratchet: opts.ratchet ?? true,
  };
  try {
    walk('', schema, obj, old, old, ctx);
  } catch (e) {
    if (!(e instanceof StopWith)) throw e;
    ctx.errs.push(e.error);
  }
  return ctx.errs;
}
