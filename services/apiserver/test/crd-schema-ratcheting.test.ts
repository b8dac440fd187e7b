import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONSchemaProps } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { KubeObject } from '../src/api/object';
import { customResourceStrategy } from '../src/registry/customresources/cr-strategy';
import { prune } from '../src/registry/customresources/cr-schema-prune';
import { validateCelRules } from '../src/registry/customresources/cr-schema-cel';
import { validateCustomResource } from '../src/registry/customresources/cr-schema-validate';
import { validateOpenApiSchema } from '../src/registry/strategies/crd-schema-validation';

const ROOT = 'spec.validation.openAPIV3Schema';
const NOT_CHECKED =
  '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
const text = (errs: Array<{ field: string; message: string }>): string[] => errs.map((e) => `${e.field}: ${e.message}`);

describe('optionalOldSelf', () => {
  const schema = (rule: string, optionalOldSelf?: boolean): JSONSchemaProps => ({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { v: { type: 'integer', 'x-kubernetes-validations': [{ rule, optionalOldSelf }] } },
      },
    },
  });

  const cases: Array<{ name: string; rule: string; v: number; old?: number; want: string[] }> = [
    {
      name: 'runs on create with no old value',
      rule: 'oldSelf.hasValue() || self == 0',
      v: 1,
      want: ['spec.v: Invalid value: "integer": failed rule: oldSelf.hasValue() || self == 0'],
    },
    { name: 'passes on create when the rule allows it', rule: 'oldSelf.hasValue() || self == 0', v: 0, want: [] },
    {
      name: 'value() on update',
      rule: 'self >= oldSelf.value()',
      v: 1,
      old: 2,
      want: ['spec.v: Invalid value: "integer": failed rule: self >= oldSelf.value()'],
    },
    {
      name: 'orValue() on create',
      rule: 'self >= oldSelf.orValue(5)',
      v: 4,
      want: ['spec.v: Invalid value: "integer": failed rule: self >= oldSelf.orValue(5)'],
    },
    { name: 'orValue() on update uses the old value', rule: 'self >= oldSelf.orValue(5)', v: 4, old: 3, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const old = c.old === undefined ? undefined : { spec: { v: c.old } };
      assert.deepEqual(text(validateCelRules({ spec: { v: c.v } }, old, schema(c.rule, true))), c.want);
    });
  }

  it('a plain transition rule still waits for an update', () => {
    assert.deepEqual(text(validateCelRules({ spec: { v: 1 } }, undefined, schema('self == oldSelf'))), []);
  });

  it('is refused on a rule that does not use oldSelf', () => {
    assert.deepEqual(text(validateOpenApiSchema(schema('self > 0', true), ROOT)), [
      `${ROOT}.properties[spec].properties[v].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
    ]);
  });

  it('oldSelf is refused under an atomic list', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        l: {
          type: 'array',
          maxItems: 5,
          items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] },
        },
      },
    };
    assert.deepEqual(text(validateOpenApiSchema(s, ROOT)), [
      `${ROOT}.properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${ROOT}.properties[l]`,
    ]);
  });
});

describe('validation ratcheting (CRDValidationRatcheting)', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 3 },
          other: { type: 'string' },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                port: { type: 'integer', minimum: 1, 'x-kubernetes-validations': [{ rule: 'self < 1000' }] },
              },
            },
          },
          tags: { type: 'array', items: { type: 'string', maxLength: 2 } },
          atomic: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string', maxLength: 2 } },
          mode: {
            type: 'string',
            'x-kubernetes-validations': [{ rule: "self != 'bad'" }, { rule: 'self == oldSelf', message: 'immutable' }],
          },
        },
      },
    },
  };
  const strategy = customResourceStrategy({ namespaced: true, hasStatus: false, terminating: false, schema });
  const obj = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default', resourceVersion: '1' },
    spec,
  });
  const update = (spec: Record<string, unknown>, old: Record<string, unknown>): string[] =>
    text(strategy.validateUpdate(obj(spec), obj(old)));

  const invalidOld = {
    name: 'toolong',
    ports: [
      { name: 'a', port: 0 },
      { name: 'b', port: 5000 },
    ],
    tags: ['abc'],
    atomic: ['abc'],
    mode: 'bad',
  };

  it('reports every error on create', () => {
    assert.deepEqual(text(strategy.validate(obj(invalidOld))), [
      'spec.name: Too long: may not be more than 3 bytes',
      'spec.ports[0].port: Invalid value: 0: spec.ports[0].port in body should be greater than or equal to 1',
      'spec.tags[0]: Too long: may not be more than 2 bytes',
      'spec.atomic[0]: Too long: may not be more than 2 bytes',
      NOT_CHECKED,
    ]);
  });

  it('keeps unchanged invalid values passing while another field changes', () => {
    assert.deepEqual(update({ ...invalidOld, other: 'changed' }, invalidOld), []);
  });

  it('reports a changed invalid value, and only it', () => {
    assert.deepEqual(update({ ...invalidOld, name: 'longer' }, invalidOld), [
      'spec.name: Too long: may not be more than 3 bytes',
      NOT_CHECKED,
    ]);
  });

  it('correlates map-list items by key: a changed item is checked, an unchanged one is not', () => {
    const spec = {
      ...invalidOld,
      ports: [
        { name: 'a', port: 0 },
        { name: 'b', port: 6000 },
      ],
    };
    assert.deepEqual(update(spec, invalidOld), [
      'spec.ports[1].port: Invalid value: "integer": failed rule: self < 1000',
    ]);
  });

  it('correlates items of a list without a list type by index', () => {
    assert.deepEqual(update({ ...invalidOld, tags: ['abc', 'x'] }, invalidOld), []);
    assert.deepEqual(update({ ...invalidOld, tags: ['x', 'abc'] }, invalidOld), [
      'spec.tags[1]: Too long: may not be more than 2 bytes',
      NOT_CHECKED,
    ]);
  });

  it('does not correlate atomic list items: a changed atomic list is checked whole', () => {
    assert.deepEqual(update({ ...invalidOld, atomic: ['abc', 'x'] }, invalidOld), [
      'spec.atomic[0]: Too long: may not be more than 2 bytes',
      NOT_CHECKED,
    ]);
  });

  it('still runs transition rules on unchanged values', () => {
    assert.deepEqual(update({ ...invalidOld, mode: 'bad' }, { ...invalidOld, mode: 'bad' }), []);
    assert.deepEqual(update({ ...invalidOld, mode: 'good' }, invalidOld), [
      'spec.mode: Invalid value: "string": immutable',
    ]);
  });
});

describe('allOf, anyOf, oneOf and not', () => {
  const cases: Array<{ name: string; schema: JSONSchemaProps; want: string[] }> = [
    {
      name: 'a junctor may not specify a type, defaults, extensions or metadata',
      schema: {
        type: 'object',
        properties: { a: { type: 'string' }, metadata: { type: 'object' } },
        allOf: [
          {
            type: 'object',
            properties: { a: { default: 'x', description: 'd' } },
            'x-kubernetes-preserve-unknown-fields': true,
          },
        ],
        anyOf: [{ 'x-kubernetes-validations': [{ rule: 'true' }], nullable: true }],
        not: { properties: { metadata: {} } },
      },
      want: [
        `${ROOT}.allOf[0].properties[a].default: Forbidden: must be undefined to be structural`,
        `${ROOT}.allOf[0].properties[a].description: Forbidden: must be empty to be structural`,
        `${ROOT}.allOf[0].type: Forbidden: must be empty to be structural`,
        `${ROOT}.allOf[0].x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural`,
        `${ROOT}.anyOf[0].nullable: Forbidden: must be false to be structural`,
        `${ROOT}.anyOf[0].x-kubernetes-validations: Forbidden: must be empty to be structural`,
        `${ROOT}.not.properties[metadata]: Forbidden: must not be specified in a nested context`,
      ],
    },
    {
      name: 'fields a junctor mentions must be specified outside it',
      schema: {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { a: { type: 'string' } },
            oneOf: [{ required: ['a'] }, { properties: { b: { minLength: 1 } } }],
          },
        },
      },
      want: [
        `${ROOT}.properties[spec].properties[b]: Required value: because it is defined in ${ROOT}.properties[spec].oneOf[1].properties[b]`,
      ],
    },
    {
      name: 'embedded resources are objects with properties, no additionalProperties at the root',
      schema: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: {
          e: { 'x-kubernetes-embedded-resource': true },
          f: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-int-or-string': true },
        },
      },
      want: [
        `${ROOT}.additionalProperties: Forbidden: must not be used at the root`,
        `${ROOT}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${ROOT}.properties[e].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
        `${ROOT}.properties[f].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${ROOT}.properties[f].x-kubernetes-embedded-resource: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
        `${ROOT}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      ],
    },
    {
      name: 'the int-or-string spelling is allowed',
      schema: {
        type: 'object',
        properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } },
      },
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(text(validateOpenApiSchema(c.schema, ROOT)), c.want));
  }

  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'string' }, n: { type: 'integer' } },
        anyOf: [{ required: ['a'] }, { required: ['b'] }],
        oneOf: [{ properties: { n: { minimum: 10 } } }, { properties: { n: { maximum: 5 } } }],
        not: { required: ['a', 'b'] },
      },
    },
  };
  const crCases: Array<{ name: string; spec: Record<string, unknown>; want: string[] }> = [
    { name: 'valid', spec: { a: 'x', n: 1 }, want: [] },
    {
      name: 'anyOf with no branch valid',
      spec: { n: 1 },
      want: ['<nil>: Invalid value: "": "spec" must validate at least one schema (anyOf)', 'spec.a: Required value'],
    },
    {
      name: 'oneOf with no branch valid',
      spec: { a: 'x', n: 7 },
      want: [
        '<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid',
        'spec.n: Invalid value: 7: spec.n in body should be greater than or equal to 10',
      ],
    },
    {
      name: 'not with its schema valid',
      spec: { a: 'x', b: 'y', n: 1 },
      want: ['<nil>: Invalid value: "": "spec" must not validate the schema (not)'],
    },
  ];
  for (const c of crCases) {
    it(`custom resource: ${c.name}`, () =>
      assert.deepEqual(text(validateCustomResource({ spec: c.spec }, schema)), c.want));
  }
});

describe('x-kubernetes-preserve-unknown-fields at the root', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    properties: { spec: { type: 'object', properties: { known: { type: 'string' } } } },
  };

  it('is a valid version schema', () => {
    assert.deepEqual(text(validateOpenApiSchema(schema, ROOT)), []);
  });

  it('keeps unknown top-level fields, prunes inside specified objects, keeps type meta and metadata', () => {
    const obj: Record<string, unknown> = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      anything: { deep: [1, 2] },
      spec: { known: 'k', unknown: 'u' },
    };
    assert.deepEqual(prune(obj, schema), ['spec.unknown']);
    assert.deepEqual(obj, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      anything: { deep: [1, 2] },
      spec: { known: 'k' },
    });
  });

  it('still validates the specified fields', () => {
    assert.deepEqual(text(validateCustomResource({ spec: { known: 1 }, other: true }, schema)), [
      'spec.known: Invalid value: "integer": spec.known in body must be of type string: "integer"',
    ]);
  });
});

describe('x-kubernetes-validations rule fields', () => {
  const at = `${ROOT}.x-kubernetes-validations[0]`;
  const cases: Array<{ name: string; rule: Record<string, unknown>; want: string[] }> = [
    {
      name: 'blank message',
      rule: { rule: 'true', message: '  ' },
      want: [`${at}.message: Invalid value: "  ": message must be non-empty if specified`],
    },
    {
      name: 'message with a line break',
      rule: { rule: 'true', message: 'a\nb' },
      want: [`${at}.message: Invalid value: "a\\nb": message must not contain line breaks`],
    },
    {
      name: 'multi-line rule without message',
      rule: { rule: 'true &&\ntrue' },
      want: [`${at}.message: Required value: message must be specified if rule contains line breaks`],
    },
    {
      name: 'blank messageExpression',
      rule: { rule: 'true', messageExpression: ' ' },
      want: [`${at}.messageExpression: Required value: messageExpression must be non-empty if specified`],
    },
    {
      name: 'fieldPath to a missing field',
      rule: { rule: 'true', fieldPath: '.spec.nope' },
      want: [`${at}.fieldPath: Invalid value: ".spec.nope": fieldPath must be a valid path`],
    },
    {
      name: 'fieldPath to a field and a map key',
      rule: { rule: 'true', fieldPath: ".spec['labels'].anykey" },
      want: [],
    },
    {
      name: 'non-bool rule',
      rule: { rule: "'x'" },
      want: [
        `${at}.rule: Invalid value: apiextensions.ValidationRule{Rule:"'x'", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: cel expression must evaluate to a bool`,
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s: JSONSchemaProps = {
        type: 'object',
        'x-kubernetes-validations': [c.rule],
        properties: {
          spec: {
            type: 'object',
            properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
          },
        },
      };
      assert.deepEqual(text(validateOpenApiSchema(s, ROOT)), c.want);
    });
  }
});
