import type { FieldError } from '../../api/errors';
import { estimateCost, MAX_COST, type DeclType } from '../../admission/cel/estimate';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { unboundedCardinality } from '../customresources/cr-cel-decl';
import { forbidden } from '../validation/field';

/** Upstream's StaticEstimatedCostLimit: the most one expression may be estimated to cost. */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
/** Upstream's StaticEstimatedCRDCostLimit: the most all rules of one version's schema may be estimated to cost. */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;

/** Go's %f: six decimals. */
function factorText(cost: number, limit: number): string {
  const factor = cost / limit;
  if (factor > 100) return 'more than 100x';
  if (factor < 1.5) return `${factor.toFixed(6)}x`;
  return `${factor.toFixed(1)}x`;
}

export function costErrorMessage(what: string, cost: number, limit: number): string {
  return (
    `${what} exceeds budget by factor of ${factorText(cost, limit)} (try simplifying the rule, or adding maxItems, ` +
    'maxProperties, and maxLength where arrays, maps, and strings are declared)'
  );
}

/** The estimated costs of one version's rules, summed as upstream's TotalCost does. */
export class TotalCost {
  total = 0;
  /** the (at most four) most expensive expressions of at least 1% of the limit, most expensive first */
  readonly mostExpensive: Array<{ path: string; cost: number }> = [];

  observe(path: string, cost: number): void {
    this.total = Math.min(this.total + cost, MAX_COST);
    if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100) return;
    this.mostExpensive.push({ path, cost });
    this.mostExpensive.sort((a, b) => b.cost - a.cost);
    if (this.mostExpensive.length > 4) this.mostExpensive.length = 4;
  }

  /** The errors when the total is over the limit: each big contributor, then the total at the schema's root. */
  errors(schemaPath: string): FieldError[] {
    if (this.total <= STATIC_ESTIMATED_CRD_COST_LIMIT) return [];
    return [
      ...this.mostExpensive.map((e) =>
        forbidden(e.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'),
      ),
      forbidden(
        schemaPath,
        costErrorMessage(
          'x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema',
          this.total,
          STATIC_ESTIMATED_CRD_COST_LIMIT,
        ),
      ),
    ];
  }
}

/**
 * How many values a schema node's children may have per value of the node: a list's
 * maxItems, a map's maxProperties, one field per object; undefined when unbounded.
 */
export function childFactor(s: JSONSchemaProps): number | undefined {
  if (s.type === 'object') {
    if (s.additionalProperties !== undefined)
      return s.maxProperties !== undefined ? Math.max(s.maxProperties, 0) : undefined;
    return 1;
  }
  if (s.type === 'array') return s.maxItems !== undefined ? Math.max(s.maxItems, 0) : undefined;
  return 1;
}

export function childCardinality(parent: number | undefined, s: JSONSchemaProps): number | undefined {
  const factor = childFactor(s);
  return parent === undefined || factor === undefined ? undefined : Math.min(parent * factor, MAX_COST);
}

/**
 * One expression's estimated cost for the whole object: its worst case times how many
 * times it may run (the node's cardinality, or as many values as a request could hold).
 */
export function expressionCost(ast: unknown, decl: DeclType, cardinality: number | undefined): number {
  const max = estimateCost(ast, { self: decl, oldSelf: decl }).max;
  if (max === 0) return 0;
  return Math.min(max * (cardinality ?? unboundedCardinality(decl)), MAX_COST);
}
