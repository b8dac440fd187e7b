import type { Environment } from '@marcbachmann/cel-js';

/** A compiled CEL expression over one variable (`claims` or `user`). */
export type CompiledExpression = (variable: unknown) => unknown;

let environments: Record<'claims' | 'user', Environment> | undefined;

/** Made at the first compile: cel-js is loaded only by a replica whose authentication config has expressions. */
function environmentFor(variable: 'claims' | 'user'): Environment {
  if (!environments) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cel = require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js');
    // Optional syntax (claims.?email.orValue("")) is enabled upstream and used in its examples.
    const make = (name: string): Environment =>
      new cel.Environment({ enableOptionalTypes: true }).registerVariable(name, 'map<string, dyn>');
    environments = { claims: make('claims'), user: make('user') };
  }
  return environments[variable];
}

/**
 * Parses and type-checks `expression`; throws with the library's message when it does not
 * compile (syntax error, unknown variable), which config validation reports.
 */
export function compileCel(expression: string, variable: 'claims' | 'user'): CompiledExpression {
  const env = environmentFor(variable);
  const parsed = env.parse(expression);
  const checked = parsed.check();
  if (!checked.valid) throw new Error(firstLine(checked.error?.message ?? 'invalid expression'));
  return (value: unknown) => parsed({ [variable]: toCelValue(value) });
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/**
 * JSON as upstream hands it to CEL (through unstructured): whole numbers become int (bigint
 * here), fractions stay double.
 */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelValue(v)]));
  }
  return value;
}

export function celErrorMessage(err: unknown): string {
  return firstLine(err instanceof Error ? err.message : String(err));
}
