/** Why an expression did not compile: a syntax error, an unknown name, a type mismatch. */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
}

/** An evaluation that failed (no such key, no such overload, a library function's own error). */
export class CelEvaluationError extends Error {
  override readonly name: string = 'CelEvaluationError';
}

/**
 * The evaluation ran past its cost limit. `scope` says which limit: the per-call one
 * every expression has, or the budget the whole policy evaluation shares.
 */
export class CelCostLimitError extends CelEvaluationError {
  override readonly name = 'CelCostLimitError';
  constructor(readonly scope: 'call' | 'budget') {
    super(scope === 'call' ? 'operation cancelled: actual cost limit exceeded' : OUT_OF_BUDGET);
  }
}

/** Upstream's text when the expressions of one evaluation used up the runtime budget. */
export const OUT_OF_BUDGET =
  'validation failed due to running out of cost budget, no further validation rules will be run';

/** cel-js messages carry a source excerpt after the first line; upstream's errors are one line. */
export function firstLine(message: string): string {
  return message.split('\n')[0];
}
