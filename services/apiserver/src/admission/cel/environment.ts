import { Environment } from '@marcbachmann/cel-js';
import { chargeNode } from './cost';
import { registerAuthorizerLibrary } from './libs/authorizer';
import { registerFormatLibrary } from './libs/format';
import { registerIpLibrary } from './libs/ip';
import { registerListsLibrary } from './libs/lists';
import { registerQuantityLibrary } from './libs/quantity';
import { registerRegexLibrary } from './libs/regex';
import { re2Matches } from './libs/re2';
import { registerStringsLibrary } from './libs/strings';
import { registerUrlLibrary } from './libs/url';

/** The types a variable may be declared with. */
export type CelVariableType =
  'dyn' | 'map<string, dyn>' | 'bool' | 'string' | 'int' | 'optional<dyn>' | 'kubernetes.authorization.Authorizer';

export type CelVariables = Readonly<Record<string, CelVariableType>>;

/** Every library Kubernetes 1.32 puts in its base CEL environment that kapi has. */
function buildBase(): Environment {
  const env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  });
  registerStringsLibrary(env);
  registerListsLibrary(env);
  registerRegexLibrary(env);
  registerQuantityLibrary(env);
  registerUrlLibrary(env);
  registerIpLibrary(env);
  registerFormatLibrary(env);
  registerAuthorizerLibrary(env);
  // The evaluator is private to cel-js; a function called once hands it over so
  // the cost of every evaluated node can be counted (see meterEvaluator).
  env.registerFunction('__kapiEvaluator(): bool', function (this: unknown) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the point is to reach the evaluator
    captured = this;
    return true;
  });
  return env;
}

let captured: unknown;
let base: Environment | undefined;
const byVariables = new Map<string, Environment>();

interface EvaluatorLike {
  run(ast: unknown, ctx: unknown): unknown;
}

/** Wraps the environment's evaluator so each node it runs is charged to the current cost meter. */
function meterEvaluator(env: Environment): void {
  captured = undefined;
  env.evaluate('__kapiEvaluator()');
  const ev = captured as EvaluatorLike | undefined;
  if (!ev || typeof ev.run !== 'function') throw new Error('cel-js evaluator not reachable for cost accounting');
  const run = ev.run;
  ev.run = function (this: EvaluatorLike, ast: unknown, ctx: unknown): unknown {
    chargeNode();
    const call = matchesCall(ast);
    if (!call) return run.call(this, ast, ctx);
    // cel-js refuses asynchronous results before this matters, so both are plain values here
    const s = this.run(call.receiver, ctx);
    const pattern = this.run(call.pattern, ctx);
    return typeof s === 'string' && typeof pattern === 'string' ? re2Matches(s, pattern) : run.call(this, ast, ctx);
  };
}

/** cel-js's receiver-call node: op `rcall`, args [method, receiver, arguments]. */
interface CallNode {
  op: string;
  args: [string, unknown, unknown[]];
}

/**
 * `s.matches(p)`, which cel-js's standard library answers with a JavaScript
 * RegExp (backtracking, other syntax): kapi answers it with RE2, as Kubernetes.
 * The evaluator's run sees every node but the root, so compile keeps a
 * `matches` call from being the root (see compileExpression).
 */
export function matchesCall(ast: unknown): { receiver: unknown; pattern: unknown } | undefined {
  const node = ast as Partial<CallNode> | null;
  if (node?.op !== 'rcall' || !Array.isArray(node.args)) return undefined;
  const [method, receiver, args] = node.args;
  if (method !== 'matches' || !Array.isArray(args) || args.length !== 1) return undefined;
  return { receiver, pattern: args[0] };
}

/** The environment with `variables` declared; built once per distinct set. */
export function environmentFor(variables: CelVariables): Environment {
  const key = Object.entries(variables)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, t]) => `${k}:${t}`)
    .join(',');
  let env = byVariables.get(key);
  if (env) return env;
  base ??= buildBase();
  env = base.clone();
  for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
  meterEvaluator(env);
  byVariables.set(key, env);
  return env;
}
