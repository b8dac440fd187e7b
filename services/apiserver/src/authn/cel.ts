import { Environment } from '@marcbachmann/cel-js';

/** A compiled CEL expression over one variable (`claims` or `user`). */
export type CompiledExpression = (variable: unknown) => unknown;

function environmentFor(variable: 'claims' | 'user'): Environment {
  // Optional syntax (claims.?email.orValue("")) is enabled upstream and used in its examples.
  return new Environment({ enableOptionalTypes: true }).registerVariable(variable, 'map<string, dyn>');
}

const environments = { claims: environmentFor('claims'), user: environmentFor('user') };

/**
 * Parses and type-checks `expression`; throws with the library's message when it does not
 * compile (syntax error, unknown variable), which config validation reports.
 */
export function compileCel(expression: string, variable: 'claims' | 'user'): CompiledExpression {
  const env = environments[variable];
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
