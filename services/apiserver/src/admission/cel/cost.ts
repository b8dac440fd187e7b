import { CelCostLimitError } from './errors';

/** Upstream's celconfig.PerCallLimit: the runtime cost one evaluation of one expression may use. */
export const PER_CALL_LIMIT = 1_000_000;
/** Upstream's celconfig.RuntimeCELCostBudget: what all expressions of one policy evaluation share. */
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;

/**
 * What is left of a budget shared by several evaluations (one policy's validations,
 * messageExpressions and audit annotations for one request).
 */
export class CostBudget {
  constructor(public remaining: number = RUNTIME_CEL_COST_BUDGET) {}
}

/**
 * Counts the cost of one evaluation as it runs: one unit per evaluated node, plus
 * what size-dependent library functions charge. It throws once the limit is passed
 * and keeps throwing, so an error swallowed by `||` or `&&` still ends the evaluation.
 */
export class CostMeter {
  used = 0;
  exceeded: CelCostLimitError | undefined;
  private readonly limit: number;
  private readonly scope: 'call' | 'budget';

  constructor(perCallLimit: number, budget?: CostBudget) {
    if (budget && budget.remaining < perCallLimit) {
      this.limit = budget.remaining;
      this.scope = 'budget';
    } else {
      this.limit = perCallLimit;
      this.scope = 'call';
    }
  }

  charge(units: number): void {
    if (this.exceeded) throw this.exceeded;
    this.used += units;
    if (this.used > this.limit) {
      this.exceeded = new CelCostLimitError(this.scope);
      throw this.exceeded;
    }
  }
}

/**
 * The meter of the evaluation running now. Evaluation is synchronous (every library
 * function, the authorizer included, answers from memory), so one slot suffices.
 */
let current: CostMeter | undefined;

export function withMeter<T>(meter: CostMeter, run: () => T): T {
  const outer = current;
  current = meter;
  try {
    return run();
  } finally {
    current = outer;
  }
}

/** Called by library functions whose cost grows with their input (upstream's traversal cost factor 0.1 per element). */
export function chargeForSize(size: number, factor = 0.1): void {
  current?.charge(Math.ceil(size * factor));
}

export function chargeNode(): void {
  current?.charge(1);
}
