import { compileExpression, toCelValue, type CompiledExpression } from '../cel/compile';
import { CostBudget, RUNTIME_CEL_COST_BUDGET } from '../cel/cost';
import type { MatchCondition } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { AdmissionAttributes } from '../interface';
import { admissionRequest } from '../policy/request';
import { CallingWebhookError } from './errors';
import type { MatchedVersion } from './matching';

const VARIABLES = { object: 'dyn', oldObject: 'dyn', request: 'map<string, dyn>' } as const;

/** Compiled once per expression text: configurations change rarely, requests often. */
const compiled = new Map<string, CompiledExpression | Error>();

function compiledFor(source: string): CompiledExpression | Error {
  let c = compiled.get(source);
  if (!c) {
    try {
      c = compileExpression(source, { variables: VARIABLES, resultTypes: ['bool'] });
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(source, c);
  }
  return c;
}

/**
 * Upstream's matchConditions: any condition false skips the webhook, whatever the
 * others did; errors without a false fail the call (failurePolicy decides, as for
 * a call failure). The authorizer variable is not declared in kapi (documented).
 */
export function matchConditionsMatch(
  webhook: string,
  conditions: readonly MatchCondition[],
  a: AdmissionAttributes,
  matched: MatchedVersion,
): boolean {
  const activation = {
    object: toCelValue(a.object ?? null),
    oldObject: toCelValue(a.oldObject ?? null),
    request: toCelValue(admissionRequest(a, matched.resource, matched.kind)),
  };
  const budget = new CostBudget(RUNTIME_CEL_COST_BUDGET);
  const errors: string[] = [];
  for (const cond of conditions) {
    const source = cond.expression ?? '';
    const expr = compiledFor(source);
    if (expr instanceof Error) {
      errors.push(`expression '${source}' resulted in error: compilation failed: ${expr.message}`);
      continue;
    }
    try {
      const out = expr.evaluate(activation, { budget });
      if (out === false) return false;
      if (out !== true) errors.push(`expression '${source}' resulted in error: must evaluate to bool`);
    } catch (e) {
      errors.push(`expression '${source}' resulted in error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (errors.length > 0) {
    throw new CallingWebhookError(webhook, errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  }
  return true;
}
