import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CustomResourceDefinition,
  JSONSchemaProps,
} from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { KubeObject } from '../src/api/object';
import { crdStrategy } from '../src/registry/strategies/customresourcedefinitions';
import { estimateCost } from '../src/admission/cel/estimate';
import { compileExpression } from '../src/admission/cel/compile';
import { schemaDeclType } from '../src/registry/customresources/cr-cel-decl';
import { validateCelRules } from '../src/registry/customresources/cr-schema-cel';
import { validateOpenApiSchema } from '../src/registry/strategies/crd-schema-validation';

const ROOT = 'spec.validation.openAPIV3Schema';
const HINT =
  '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';

/** A version schema with one list under spec carrying the rule. */
function listSchema(rule: string, list: Partial<JSONSchemaProps>, items: JSONSchemaProps): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          tags: { type: 'array', items, ...list, 'x-kubernetes-validations': [{ rule }] },
        },
      },
    },
  };
}

const crdErrors = (s: JSONSchemaProps): string[] =>
  validateOpenApiSchema(s, ROOT).map((e) => `${e.field}: ${e.message}`);

const RULE_PATH = `${ROOT}.properties[spec].properties[tags].x-kubernetes-validations[0].rule`;

describe('CEL static cost estimation (cel-go rules)', () => {
  const cost = (rule: string, s: JSONSchemaProps): number =>
    estimateCost(compileExpression(rule, { variables: { self: 'dyn' } }).ast, { self: schemaDeclType(s, false) }).max;

  const cases: Array<{ name: string; rule: string; schema: JSONSchemaProps; want: number }> = [
    {
      name: 'an ident and a field',
      rule: 'self.a == 1',
      schema: { type: 'object', properties: { a: { type: 'integer' } } },
      want: 2,
    },
    {
      name: 'size is one call',
      rule: 'self.size() > 1',
      schema: { type: 'array', maxItems: 5, items: { type: 'integer' } },
      want: 3,
    },
    {
      // 1 + per item (2 loop condition + 1 accumulator + 1 item + ceil(64*0.1)*ceil(3*0.1)) * 10 + 1
      name: 'all() over a bounded list of bounded strings',
      rule: "self.all(x, x.contains('gpu'))",
      schema: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 16 } },
      want: 2 + 10 * 11,
    },
    {
      name: 'startsWith costs by its argument',
      rule: "self.startsWith('abcdefghijk')",
      schema: { type: 'string', maxLength: 1000 },
      want: 1 + 2,
    },
    {
      name: 'string equality traverses the shorter string',
      rule: 'self.a == self.b',
      schema: { type: 'object', properties: { a: { type: 'string', maxLength: 10 }, b: { type: 'string' } } },
      want: 4 + 4,
    },
    {
      name: 'exists() per item: 3 + 1 + predicate',
      rule: 'self.exists(x, x > 0)',
      schema: { type: 'array', maxItems: 4, items: { type: 'integer' } },
      want: 2 + 4 * (3 + 1 + 2),
    },
    {
      name: 'map() builds a list per item',
      rule: 'self.map(x, x + 1).size() > 0',
      schema: { type: 'array', maxItems: 3, items: { type: 'integer' } },
      want: 1 + 10 + 1 + 3 * (12 + 2) + 1 + 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(cost(c.rule, c.schema), c.want));
  }
});

describe('CRD create: estimated rule cost limits', () => {
  it('accepts the most expensive bounded rule and refuses one item more with the exact factor', () => {
    const items: JSONSchemaProps = { type: 'string', maxLength: 16 };
    assert.deepEqual(crdErrors(listSchema("self.all(x, x.contains('gpu'))", { maxItems: 909090 }, items)), []);
    assert.deepEqual(crdErrors(listSchema("self.all(x, x.contains('gpu'))", { maxItems: 909091 }, items)), [
      `${RULE_PATH}: Forbidden: estimated rule cost exceeds budget by factor of 1.000000x ${HINT}`,
    ]);
  });

  it('refuses a nested comprehension over an unbounded list (rule, contribution, total) and accepts it with maxItems', () => {
    const rule = 'self.all(x, self.all(y, x == y))';
    assert.deepEqual(crdErrors(listSchema(rule, {}, { type: 'integer' })), [
      `${RULE_PATH}: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${HINT}`,
      `${RULE_PATH}: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
      `${ROOT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${HINT}`,
    ]);
    assert.deepEqual(crdErrors(listSchema(rule, { maxItems: 100 }, { type: 'integer' })), []);
  });

  it('multiplies a rule under an unbounded list by how many items a request could hold', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.contains('x')" }] } },
          },
        },
      },
    };
    const errs = crdErrors(s);
    assert.equal(errs.length, 3);
    assert.match(
      errs[0],
      /^spec\.validation\.openAPIV3Schema\.properties\[items\]\.items\.properties\[name\]\.x-kubernetes-validations\[0\]\.rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x/,
    );
    const bounded = structuredClone(s);
    bounded.properties!.items.maxItems = 10;
    bounded.properties!.items.items = {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 64, 'x-kubernetes-validations': [{ rule: "self.contains('x')" }] },
      },
    };
    assert.deepEqual(crdErrors(bounded), []);
  });

  it('sums rules over the whole schema: many cheap-enough rules can exceed the total', () => {
    const props: Record<string, JSONSchemaProps> = {};
    for (let i = 0; i < 12; i++) {
      props[`f${i}`] = {
        type: 'array',
        maxItems: 900000,
        items: { type: 'string', maxLength: 16 },
        'x-kubernetes-validations': [{ rule: "self.all(x, x.contains('gpu'))" }],
      };
    }
    const errs = crdErrors({ type: 'object', properties: props });
    assert.equal(errs.length, 5);
    assert.match(
      errs[0],
      /properties\[f\d+\]\.x-kubernetes-validations\[0\]\.rule: Forbidden: contributed to estimated rule cost total/,
    );
    assert.equal(
      errs[4],
      `${ROOT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.188000x ${HINT}`,
    );
  });

  it('checks messageExpression cost too', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        l: {
          type: 'array',
          maxItems: 10,
          items: { type: 'string' },
          'x-kubernetes-validations': [{ rule: 'self.size() < 5', messageExpression: "self.map(x, x + x).join(',')" }],
        },
      },
    };
    const errs = crdErrors(s);
    assert.equal(
      errs[0],
      `${ROOT}.properties[l].x-kubernetes-validations[0].messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x ${HINT}`,
    );
  });
});

describe('CR validation: runtime cost limits', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          nums: {
            type: 'array',
            items: { type: 'integer' },
            'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x + y >= 0))' }],
          },
          name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''" }] },
        },
      },
    },
  };

  it('stops at the per-call limit with upstream message, running no further rules', () => {
    const nums = Array.from({ length: 1500 }, (_, i) => i);
    const errs = validateCelRules({ spec: { nums, name: '' } }, undefined, schema).map(
      (e) => `${e.field}: ${e.message}`,
    );
    assert.deepEqual(errs, [
      'spec.nums: Invalid value: "array": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x + y >= 0))',
    ]);
  });

  it('reports running out of the per-object budget', () => {
    const errs = validateCelRules({ spec: { nums: [1, 2, 3], name: '' } }, undefined, schema, { budget: 20 });
    assert.deepEqual(
      errs.map((e) => `${e.field}: ${e.message}`),
      [
        'spec.nums: Invalid value: "array": validation failed due to running out of cost budget, no further validation rules will be run',
      ],
    );
  });

  it('reports evaluation errors as upstream: "<error> evaluating rule: <rule>"', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        m: {
          type: 'object',
          additionalProperties: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: "self['missing'] > 0" }],
        },
      },
    };
    const errs = validateCelRules({ m: { a: 1 } }, undefined, s).map((e) => `${e.field}: ${e.message}`);
    assert.deepEqual(errs, ['m: Invalid value: "object": no such key: missing evaluating rule: self[\'missing\'] > 0']);
  });
});

describe('CRD update: unchanged version schemas keep their accepted rules', () => {
  const withSchema = (openAPIV3Schema: JSONSchemaProps, label?: string): KubeObject => {
    const c: CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', resourceVersion: '1', ...(label ? { labels: { l: label } } : {}) },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema } }],
        conversion: { strategy: 'None' },
      },
      status: { storedVersions: ['v1'] },
    };
    return c as KubeObject;
  };
  const expensive = listSchema(
    "self.all(x, x.contains('gpu'))",
    { maxItems: 909091 },
    { type: 'string', maxLength: 16 },
  );
  const messages = (errs: Array<{ field: string; message: string }>): string[] =>
    errs.map((e) => `${e.field}: ${e.message}`);
  const rulePath =
    'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-validations[0].rule';

  it('skips the per-expression limit when the schema is unchanged, checks it when it changes', () => {
    const old = withSchema(expensive);
    assert.deepEqual(messages(crdStrategy.validateUpdate(withSchema(expensive, 'x'), old)), []);
    const changed = structuredClone(expensive);
    changed.description = 'now documented';
    assert.deepEqual(messages(crdStrategy.validateUpdate(withSchema(changed), old)), [
      `${rulePath}: Forbidden: estimated rule cost exceeds budget by factor of 1.000000x ${HINT}`,
    ]);
    assert.deepEqual(messages(crdStrategy.validate(withSchema(expensive))), [
      `${rulePath}: Forbidden: estimated rule cost exceeds budget by factor of 1.000000x ${HINT}`,
    ]);
  });
});
