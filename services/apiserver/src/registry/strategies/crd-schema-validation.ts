import type { FieldError } from '../../api/errors';
import type { JSONSchemaProps } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { ValidationRule } from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { schemaDeclType } from '../customresources/cr-cel-decl';
import { compileRule } from '../customresources/cr-schema-cel';
import { fieldPathValid } from './crd-rule-field-path';
import { validateStructure } from './crd-structural';
import {
  childCardinality,
  costErrorMessage,
  expressionCost,
  STATIC_ESTIMATED_COST_LIMIT,
  TotalCost,
} from './crd-rule-cost';
import { child, forbidden, goQuote, GoValue, index, invalid, key, notSupported, required } from '../validation/field';

const RULE_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/** Go's %#v of an internal ValidationRule, as upstream prints a rule that does not compile. */
function goRule(r: ValidationRule): GoValue {
  const ptr = (t: string, set: boolean): string => `(*${t})(${set ? '0xc000000000' : 'nil'})`;
  return new GoValue(
    `apiextensions.ValidationRule{Rule:${goQuote(r.rule ?? '')}, Message:${goQuote(r.message ?? '')}, ` +
      `MessageExpression:${goQuote(r.messageExpression ?? '')}, ` +
      `Reason:${ptr('apiextensions.FieldValueErrorReason', r.reason !== undefined)}, FieldPath:${goQuote(r.fieldPath ?? '')}, ` +
      `OptionalOldSelf:${ptr('bool', r.optionalOldSelf !== undefined)}}`,
  );
}

/** What the walk carries down for the rules: how often a node's value may occur, the version's total cost. */
export interface RuleContext {
  /** values of this node per object; undefined when an unbounded list or map is above it */
  cardinality: number | undefined;
  total: TotalCost;
  /** the version's schema is unchanged by this update: only the total is checked (upstream's suppressPerExpressionCost) */
  suppressPerExpressionCost: boolean;
  /** the path that makes oldSelf uncorrelatable here (an atomic list or map above), if any */
  uncorrelatable?: string;
  /** the node is the root of a resource (the schema's root or an embedded resource) */
  resourceRoot: boolean;
  /** inside allOf/anyOf/oneOf/not: value validation only, no structure and no rules */
  nested?: boolean;
}

interface NodeErrors {
  schema: FieldError[];
  cel: FieldError[];
}

const hasNewlines = (s: string): boolean => /[\n\r]/.test(s);

/** The checks of a rule's own fields (upstream's schema errors of x-kubernetes-validations). */
function ruleSchemaErrors(s: JSONSchemaProps, r: ValidationRule, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const rule = (r.rule ?? '').trim();
  const message = (r.message ?? '').trim();
  if (!rule) errs.push(required(child(at, 'rule'), 'rule is not specified'));
  else if (r.message && !message) {
    errs.push(invalid(child(at, 'message'), r.message, 'message must be non-empty if specified'));
  } else if (hasNewlines(message)) {
    errs.push(invalid(child(at, 'message'), r.message ?? '', 'message must not contain line breaks'));
  } else if (hasNewlines(rule) && !message) {
    errs.push(required(child(at, 'message'), 'message must be specified if rule contains line breaks'));
  }
  if (r.messageExpression && !r.messageExpression.trim()) {
    errs.push(required(child(at, 'messageExpression'), 'messageExpression must be non-empty if specified'));
  }
  if (r.reason !== undefined && !RULE_REASONS.includes(r.reason)) {
    errs.push(notSupported(child(at, 'reason'), r.reason, RULE_REASONS));
  }
  const fieldPath = r.fieldPath ?? '';
  if (fieldPath && !fieldPath.trim()) {
    errs.push(invalid(child(at, 'fieldPath'), fieldPath, 'fieldPath must be non-empty if specified'));
  }
  if (hasNewlines(fieldPath)) {
    errs.push(invalid(child(at, 'fieldPath'), fieldPath, 'fieldPath must not contain line breaks'));
  }
  if (fieldPath && !fieldPathValid(s, fieldPath)) {
    errs.push(invalid(child(at, 'fieldPath'), fieldPath, 'fieldPath must be a valid path'));
  }
  return errs;
}

/** Compilation, estimated cost and oldSelf use of each rule (upstream's CEL errors of the node). */
function ruleCelErrors(s: JSONSchemaProps, path: string, ctx: RuleContext): FieldError[] {
  const errs: FieldError[] = [];
  const decl = schemaDeclType(s, ctx.resourceRoot);
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    if (!(r.rule ?? '').trim()) return;
    const at = index(child(path, 'x-kubernetes-validations'), i);
    const rulePath = child(at, 'rule');
    const c = compileRule(r);
    if ('error' in c) {
      errs.push(invalid(rulePath, goRule(r), c.error));
      return;
    }
    const cost = decl ? expressionCost(c.rule.ast, decl, ctx.cardinality) : 0;
    if (!ctx.suppressPerExpressionCost && cost > STATIC_ESTIMATED_COST_LIMIT) {
      errs.push(forbidden(rulePath, costErrorMessage('estimated rule cost', cost, STATIC_ESTIMATED_COST_LIMIT)));
    }
    ctx.total.observe(rulePath, cost);
    if ('messageError' in c) {
      errs.push(invalid(child(at, 'messageExpression'), goRule(r), c.messageError));
      return;
    }
    if (c.message && decl) {
      const messagePath = child(at, 'messageExpression');
      const messageCost = expressionCost(c.message.ast, decl, ctx.cardinality);
      if (!ctx.suppressPerExpressionCost && messageCost > STATIC_ESTIMATED_COST_LIMIT) {
        const text = costErrorMessage('estimated messageExpression cost', messageCost, STATIC_ESTIMATED_COST_LIMIT);
        errs.push(forbidden(messagePath, text));
      }
      ctx.total.observe(messagePath, messageCost);
    }
    if (c.transition) {
      if (ctx.uncorrelatable !== undefined) {
        const text = `oldSelf cannot be used on the uncorrelatable portion of the schema within ${ctx.uncorrelatable}`;
        errs.push(invalid(rulePath, r.rule ?? '', text));
      }
    } else if (r.optionalOldSelf !== undefined) {
      errs.push(
        invalid(child(at, 'optionalOldSelf'), r.optionalOldSelf, 'may not be set if oldSelf is not used in rule'),
      );
    }
  });
  return errs;
}

const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

/** The context of a child: its cardinality, and whether oldSelf still correlates there. */
function childContext(
  s: JSONSchemaProps,
  path: string,
  ctx: RuleContext,
  correlates: boolean,
  embedded: boolean,
): RuleContext {
  return {
    ...ctx,
    cardinality: childCardinality(ctx.cardinality, s),
    uncorrelatable: ctx.uncorrelatable ?? (correlates ? undefined : path),
    resourceRoot: embedded,
  };
}

/**
 * The keyword rules of one schema node (upstream's ValidateCustomResourceDefinitionOpenAPISchema);
 * the structural ones are crd-structural.ts's. Rules are compiled only where the node and
 * everything below it is free of schema errors, as upstream.
 */
function validateNode(s: JSONSchemaProps, path: string, ctx: RuleContext): NodeErrors {
  const errs: FieldError[] = [];
  const cel: FieldError[] = [];
  const sub = (n: NodeErrors): void => {
    errs.push(...n.schema);
    cel.push(...n.cel);
  };
  if (s.type && !SCHEMA_TYPES.includes(s.type)) errs.push(notSupported(child(path, 'type'), s.type, SCHEMA_TYPES));
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  if (s.uniqueItems === true) {
    errs.push(
      forbidden(
        child(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const props = s.properties ?? {};
  const additional = s.additionalProperties;
  if (
    additional !== undefined &&
    Object.keys(props).length > 0 &&
    (additional === false || typeof additional === 'object')
  ) {
    errs.push(
      forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'),
    );
  }
  if (typeof additional === 'object') {
    const at = child(path, 'additionalProperties');
    const embedded = additional['x-kubernetes-embedded-resource'] === true;
    sub(validateNode(additional, at, childContext(s, path, ctx, true, embedded)));
  }
  const atomicMap = s['x-kubernetes-map-type'] === 'atomic';
  for (const name of Object.keys(props).sort()) {
    const prop = props[name];
    const embedded = prop['x-kubernetes-embedded-resource'] === true;
    const at = key(child(path, 'properties'), name);
    sub(validateNode(prop, at, childContext(s, path, ctx, !atomicMap, embedded)));
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf'] as const) {
    (s[junctor] ?? []).forEach((j, i) => sub(validateNode(j, index(child(path, junctor), i), noRules(ctx))));
  }
  if (s.not) sub(validateNode(s.not, child(path, 'not'), noRules(ctx)));
  const items = itemsOf(s);
  if (items) {
    const embedded = items['x-kubernetes-embedded-resource'] === true;
    const mapList = s['x-kubernetes-list-type'] === 'map';
    sub(validateNode(items, child(path, 'items'), childContext(s, path, ctx, mapList, embedded)));
  }
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    errs.push(...ruleSchemaErrors(s, r, index(child(path, 'x-kubernetes-validations'), i)));
  });
  if (errs.length === 0 && !ctx.nested) cel.push(...ruleCelErrors(s, path, ctx));
  return { schema: errs, cel };
}

/** Junctors (allOf, anyOf, oneOf, not) are value validation only: their rules are refused by the structural check. */
function noRules(ctx: RuleContext): RuleContext {
  return { ...ctx, nested: true };
}

/**
 * A version's openAPIV3Schema below its root checks: keyword rules, structural
 * completeness, then the rules' compilation and cost (each rule, then the total).
 */
export function validateOpenApiSchema(
  schema: JSONSchemaProps,
  path: string,
  opts: { suppressPerExpressionCost?: boolean } = {},
): FieldError[] {
  const total = new TotalCost();
  const ctx: RuleContext = {
    cardinality: 1,
    total,
    suppressPerExpressionCost: opts.suppressPerExpressionCost === true,
    resourceRoot: true,
  };
  const structural = validateStructure(schema, path);
  const errs = validateNode(schema, path, ctx);
  return [...structural, ...errs.schema, ...errs.cel, ...total.errors(path)];
}
