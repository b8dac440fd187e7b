import { CostBudget, CostMeter, PER_CALL_LIMIT, withMeter } from './cost';
import type { CelVariables } from './environment';
import { CelCompileError, CelCostLimitError, CelEvaluationError, firstLine } from './errors';

export { CelCompileError, CelCostLimitError, CelEvaluationError } from './errors';
export { CostBudget, PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET } from './cost';
export type { CelVariables, CelVariableType } from './environment';
export { toCelValue, fromCelValue, celTypeName } from './values';

/** The CEL result types an expression may be required to have (upstream's ReturnTypes). */
export type CelResultType = 'bool' | 'string' | 'int' | 'null_type' | 'dyn';

export interface CompileOptions {
  /** the names the expression may use and their types; anything else is an undeclared reference */
  variables: CelVariables;
  /** allowed result types; a statically known other type is a compile error ("must evaluate to bool but got string") */
  resultTypes?: readonly CelResultType[];
  /** per-evaluation cost limit; upstream's PerCallLimit unless a test needs less */
  costLimit?: number;
}

/**
 * Values for the declared variables, already CEL values (see toCelValue): ints as
 * bigint. A variable may be null (oldObject on CREATE, params without a paramKind).
 */
export type Activation = Readonly<Record<string, unknown>>;

export interface EvaluateOptions {
  /** the budget this evaluation draws from and is charged to (one policy's evaluation of one request) */
  budget?: CostBudget;
}

export interface CompiledExpression {
  readonly source: string;
  /** the statically known result type ('dyn' when it depends on the input) */
  readonly resultType: string;
  /** the parsed expression as written (for static cost estimation, see estimate.ts) */
  readonly ast: unknown;
  /** Throws CelEvaluationError (CelCostLimitError when a limit was hit). */
  evaluate(activation: Activation, opts?: EvaluateOptions): unknown;
}

interface CelRuntime {
  cel: typeof import('@marcbachmann/cel-js');
  environment: typeof import('./environment');
}

let runtime: CelRuntime | undefined;

/** cel-js and kapi's CEL libraries, loaded at the first compile: a replica without policies, webhook match conditions or CRD rules never needs them. */
function celRuntime(): CelRuntime {
  /* eslint-disable @typescript-eslint/no-require-imports */
  runtime ??= {
    cel: require('@marcbachmann/cel-js') as CelRuntime['cel'],
    environment: require('./environment') as CelRuntime['environment'],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return runtime;
}

function cleanMessage(err: unknown): string {
  const text = firstLine(err instanceof Error ? err.message : String(err));
  // cel-go spells these lowercase; keep the texts policies match on the same.
  return text.replace(/^No such key/, 'no such key');
}

function typeName(t: string): string {
  if (t === 'list') return 'list(dyn)';
  if (t === 'map') return 'map(dyn, dyn)';
  return t.replace(/<(.*)>/, '($1)');
}

/**
 * Parses and type-checks `source` in the Kubernetes environment with `variables`
 * declared. Throws CelCompileError; its message is what upstream puts after
 * "compilation failed: " (the text differs from cel-go's, the cases are the same).
 */
export function compileExpression(source: string, opts: CompileOptions): CompiledExpression {
  const { cel, environment } = celRuntime();
  const env = environment.environmentFor(opts.variables);
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(source);
  } catch (err) {
    throw new CelCompileError(cleanMessage(err));
  }
  const ast: unknown = parsed.ast;
  let checked = parsed.check();
  if (!checked.valid) throw new CelCompileError(cleanMessage(checked.error));
  if (environment.matchesCall(parsed.ast)) {
    // the root node is evaluated past the evaluator's run, where RE2 answers `matches`: one level down it is not the root
    parsed = env.parse(`(${source}\n) == true`);
    checked = parsed.check();
    if (!checked.valid) throw new CelCompileError(cleanMessage(checked.error));
  }
  // cel-js calls the null type `null`; CEL (and upstream's messages) `null_type`
  const resultType = checked.type === 'null' ? 'null_type' : (checked.type ?? 'dyn');
  const wanted = opts.resultTypes;
  if (
    wanted &&
    wanted.length > 0 &&
    !wanted.includes('dyn') &&
    resultType !== 'dyn' &&
    !wanted.includes(resultType as CelResultType)
  ) {
    throw new CelCompileError(
      wanted.length === 1
        ? `must evaluate to ${wanted[0]} but got ${typeName(resultType)}`
        : `must evaluate to one of [${wanted.join(' ')}] but got ${typeName(resultType)}`,
    );
  }
  const limit = opts.costLimit ?? PER_CALL_LIMIT;
  return {
    source,
    resultType,
    ast,
    evaluate(activation: Activation, evalOpts?: EvaluateOptions): unknown {
      const budget = evalOpts?.budget;
      const meter = new CostMeter(limit, budget);
      try {
        const result: unknown = withMeter(meter, () => parsed(activation));
        if (meter.exceeded) throw meter.exceeded;
        if (result instanceof Promise) throw new CelEvaluationError('asynchronous CEL functions are not supported');
        return result;
      } catch (err) {
        if (meter.exceeded) throw meter.exceeded;
        if (err instanceof CelEvaluationError) throw err;
        if (err instanceof cel.EvaluationError || err instanceof Error) throw new CelEvaluationError(cleanMessage(err));
        throw new CelEvaluationError(String(err));
      } finally {
        if (budget) budget.remaining -= meter.used;
      }
    },
  };
}

export function isCostLimitError(err: unknown): err is CelCostLimitError {
  return err instanceof CelCostLimitError;
}
