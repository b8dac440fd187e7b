import { CostBudget, CelCostLimitError, type Activation } from '../cel/compile';
import { OUT_OF_BUDGET } from '../cel/errors';
import type { CompiledPolicy, PolicyExpression } from './compiled-policy';

/** Upstream's celconfig.MaxEvaluatedMessageExpressionSizeBytes */
const MAX_MESSAGE_BYTES = 5 * 1024;

export type DecisionAction = 'admit' | 'deny';

/** One validation's outcome (upstream's PolicyDecision). */
export interface PolicyDecision {
  action: DecisionAction;
  /** 'error' when the decision comes from a failure to evaluate rather than a false result */
  evaluation: 'admit' | 'deny' | 'error';
  message: string;
  reason: string;
}

export interface AuditAnnotationResult {
  key: string;
  action: 'publish' | 'exclude' | 'error';
  value?: string;
  error?: string;
}

export interface ValidateResult {
  decisions: PolicyDecision[];
  auditAnnotations: AuditAnnotationResult[];
}

/** The values one evaluation sees; `withAuthorizer` adds `authorizer` for the expressions that may use it. */
export interface PolicyInputs {
  base: Record<string, unknown>;
  authorizer: unknown;
}

/** A whole evaluation stopped (cost budget), as upstream's ForInput error. */
class EvaluationAborted extends Error {}

function onError(failurePolicy: string): DecisionAction {
  return failurePolicy === 'Ignore' ? 'admit' : 'deny';
}

/**
 * `variables.<name>` evaluated on first use and kept for the rest of this
 * evaluation, as upstream's composited variables.
 */
function lazyVariables(
  policy: CompiledPolicy,
  activation: () => Activation,
  budget: CostBudget,
): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const v of policy.variables) {
    let done = false;
    let value: unknown;
    let failure: Error | undefined;
    Object.defineProperty(vars, v.name, {
      enumerable: true,
      get(): unknown {
        if (!done) {
          done = true;
          if (v.compiled.error !== undefined) {
            failure = new Error(`composited variable "${v.name}" fails to compile: ${v.compiled.error}`);
          } else {
            try {
              value = v.compiled.expr.evaluate(activation(), { budget });
            } catch (err) {
              failure = err instanceof Error ? err : new Error(String(err));
            }
          }
        }
        if (failure) throw failure;
        return value;
      },
    });
  }
  return vars;
}

type Outcome = { value: unknown } | { error: string };

function run(e: PolicyExpression, activation: Activation, budget: CostBudget): Outcome {
  if (e.error !== undefined) return { error: `compilation error: ${e.error}` };
  try {
    return { value: e.expr.evaluate(activation, { budget }) };
  } catch (err) {
    if (err instanceof CelCostLimitError && err.scope === 'budget') throw new EvaluationAborted(OUT_OF_BUDGET);
    const text = err instanceof Error ? err.message : String(err);
    return { error: `expression '${e.expr.source}' resulted in error: ${text}` };
  }
}

/**
 * Upstream's validator.Validate for one (policy, binding, param): matchConditions,
 * then every validation (with its messageExpression), then the audit annotations.
 */
export function validatePolicy(policy: CompiledPolicy, inputs: PolicyInputs): ValidateResult {
  const fail = onError(policy.failurePolicy);
  const budget = new CostBudget();
  let withAuthz: Activation = {};
  const activation = (): Activation => withAuthz;
  const variables = lazyVariables(policy, activation, budget);
  withAuthz = { ...inputs.base, variables, authorizer: inputs.authorizer };
  const withoutAuthz: Activation = { ...inputs.base, variables };
  try {
    const failed = matchConditionsFail(policy, withAuthz, budget, fail);
    if (failed === 'nomatch') return { decisions: [], auditAnnotations: [] };
    if (failed) return { decisions: [failed], auditAnnotations: [] };
    const decisions = policy.validations.map((v): PolicyDecision => {
      const r = run(v.check, withAuthz, budget);
      if ('error' in r) return { action: fail, evaluation: 'error', message: r.error, reason: '' };
      if (r.value === true) return { action: 'admit', evaluation: 'admit', message: '', reason: '' };
      let message = '';
      if (v.message) {
        const m = run(v.message, withoutAuthz, budget);
        if ('value' in m && typeof m.value === 'string') {
          message = m.value.trim();
          if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES || message.includes('\n')) message = '';
        }
      }
      if (message === '' && v.validation.message) message = v.validation.message.trim();
      if (message === '') message = `failed expression: ${(v.validation.expression ?? '').trim()}`;
      return { action: 'deny', evaluation: 'deny', message, reason: v.validation.reason || 'Invalid' };
    });
    const auditAnnotations = policy.auditAnnotations.map((x): AuditAnnotationResult => {
      const r = run(x.value, withoutAuthz, new CostBudget());
      const errAction = policy.failurePolicy === 'Ignore' ? 'exclude' : 'error';
      if ('error' in r) return { key: x.key, action: errAction, error: r.error };
      if (r.value === null || r.value === undefined) return { key: x.key, action: 'exclude' };
      if (typeof r.value !== 'string') {
        return {
          key: x.key,
          action: 'error',
          error: `valueExpression '${x.valueExpression}' resulted in unsupported return type: ${typeof r.value === 'bigint' ? 'int' : typeof r.value}. Return type must be either string or null.`,
        };
      }
      const value = r.value.trim();
      return value === '' ? { key: x.key, action: 'exclude' } : { key: x.key, action: 'publish', value };
    });
    return { decisions, auditAnnotations };
  } catch (err) {
    if (err instanceof EvaluationAborted) {
      return {
        decisions: [{ action: fail, evaluation: 'error', message: err.message, reason: '' }],
        auditAnnotations: [],
      };
    }
    throw err;
  }
}

/** undefined: every condition held; 'nomatch': one was false; a decision: one failed to evaluate. */
function matchConditionsFail(
  policy: CompiledPolicy,
  activation: Activation,
  budget: CostBudget,
  fail: DecisionAction,
): PolicyDecision | 'nomatch' | undefined {
  const errors: string[] = [];
  for (const c of policy.matchConditions) {
    const r = run(c.compiled, activation, budget);
    if ('error' in r) errors.push(r.error);
    else if (r.value === false) return 'nomatch';
    else if (r.value !== true) errors.push(`matchCondition '${c.name}' resulted in a non-boolean value`);
  }
  if (errors.length === 0) return undefined;
  const message = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return { action: fail, evaluation: 'error', message, reason: '' };
}
