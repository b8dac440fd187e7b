import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONSchemaProps } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { applySchemaDefaults, prune } from '../src/registry/customresources/cr-schema-prune';
import { validateCustomResource } from '../src/registry/customresources/cr-schema-validate';
import { evaluateJsonPath } from '../src/registry/customresources/simple-jsonpath';
import { customResourceTable } from '../src/registry/customresources/cr-table';
import { customResourceApplyMessages } from '../src/registry/customresources/cr-apply-message';
import { validateCelRules } from '../src/registry/customresources/cr-schema-cel';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        color: { type: 'string', enum: ['red', 'blue'] },
        name: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 5 },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0 },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        maybe: { type: 'string', nullable: true },
        nested: { type: 'object', properties: { on: { type: 'boolean', default: true } } },
        when: { type: 'string', format: 'date-time' },
        addr: { type: 'string', format: 'ipv4' },
        set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

function errorsFor(spec: Record<string, unknown>): string[] {
  const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec };
  return validateCustomResource(obj, SCHEMA).map((e) => `${e.field}: ${e.message}`);
}

describe('custom resource pruning and defaulting', () => {
  it('drops fields the schema does not name, keeping type meta, metadata and preserved subtrees', () => {
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { color: 'red', bogus: 1, free: { any: { thing: [1] } }, labels: { a: 'b' }, nested: { x: 1 } },
      status: { whatever: true },
    };
    const dropped = prune(obj, SCHEMA);
    assert.deepEqual(dropped.sort(), ['spec.bogus', 'spec.nested.x']);
    assert.deepEqual(obj.spec, { color: 'red', free: { any: { thing: [1] } }, labels: { a: 'b' }, nested: {} });
    assert.deepEqual(obj.status, { whatever: true });
    assert.equal(obj.kind, 'Widget');
  });

  it('fills defaults of missing properties at every depth', () => {
    const obj: Record<string, unknown> = { spec: { color: 'red', nested: {} } };
    applySchemaDefaults(obj, SCHEMA);
    assert.deepEqual(obj.spec, { color: 'red', replicas: 1, nested: { on: true } });
  });
});

describe('custom resource schema validation (upstream messages and paths)', () => {
  it('accepts a valid object', () => {
    assert.deepEqual(
      errorsFor({
        color: 'red',
        replicas: 3,
        port: 'http',
        maybe: null,
        tags: ['a'],
        when: '2024-01-02T03:04:05Z',
        addr: '10.0.0.1',
        set: ['a', 'b'],
        ports: [{ name: 'a' }, { name: 'b' }],
        template: { apiVersion: 'v1', kind: 'Pod', spec: {} },
      }),
      [],
    );
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'a wrong type',
      { color: 'red', replicas: 'three' },
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ],
    [
      'a fraction for an integer',
      { color: 'red', replicas: 1.5 },
      'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    ],
    ['a missing required field', { replicas: 2 }, 'spec.color: Required value'],
    [
      'a value outside the enum',
      { color: 'green' },
      'spec.color: Unsupported value: "green": supported values: "red", "blue"',
    ],
    [
      'a value under the minimum',
      { color: 'red', replicas: 0 },
      'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
    ],
    [
      'a value over the maximum',
      { color: 'red', replicas: 11 },
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    ],
    [
      'an exclusive minimum reached',
      { color: 'red', ratio: 0 },
      'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
    ],
    [
      'a pattern mismatch',
      { color: 'red', name: 'AB' },
      `spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'`,
    ],
    [
      'a string too short',
      { color: 'red', name: 'a' },
      'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    ],
    ['a string too long', { color: 'red', name: 'abcdef' }, 'spec.name: Too long: may not be more than 5 bytes'],
    ['too many items', { color: 'red', tags: ['a', 'b', 'c'] }, 'spec.tags: Too many: 3: must have at most 2 items'],
    [
      'a wrong item type',
      { color: 'red', tags: ['a', 2] },
      'spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer"',
    ],
    [
      'a wrong map value type',
      { color: 'red', labels: { a: true } },
      'spec.labels.a: Invalid value: "boolean": spec.labels.a in body must be of type string: "boolean"',
    ],
    [
      'a malformed date-time',
      { color: 'red', when: 'yesterday' },
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
    ],
    [
      'a malformed ipv4',
      { color: 'red', addr: '300.1.1.1' },
      'spec.addr: Invalid value: "300.1.1.1": spec.addr in body must be of type ipv4: "300.1.1.1"',
    ],
    ['a repeated set item', { color: 'red', set: ['a', 'b', 'a'] }, 'spec.set[2]: Duplicate value: "a"'],
    [
      'a repeated map-list key',
      {
        color: 'red',
        ports: [
          { name: 'http', port: 1 },
          { name: 'http', port: 2 },
        ],
      },
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
    ],
    [
      'an embedded resource without kind',
      { color: 'red', template: { apiVersion: 'v1' } },
      'spec.template.kind: Required value: must not be empty',
    ],
    [
      'null for a non-nullable field',
      { color: null },
      'spec.color: Invalid value: "null": spec.color in body must be of type string: "null"',
    ],
  ];
  for (const [title, spec, expected] of cases) {
    it(`refuses ${title}`, () => {
      const errs = errorsFor(spec);
      assert.ok(errs.includes(expected), `expected ${JSON.stringify(expected)} in ${JSON.stringify(errs)}`);
    });
  }

  it('reports type errors with the TypeInvalid reason', () => {
    const obj = { spec: { color: 'red', replicas: 'x' } };
    assert.equal(validateCustomResource(obj, SCHEMA)[0].type, 'FieldValueTypeInvalid');
  });
});

describe('printer columns', () => {
  const obj = {
    metadata: { name: 'w1', creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: { replicas: 3, tags: ['a', 'b'] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Other', status: 'False' },
      ],
    },
  };

  it('evaluates the simple JSONPaths upstream allows', () => {
    assert.deepEqual(evaluateJsonPath('.spec.replicas', obj), [3]);
    assert.deepEqual(evaluateJsonPath('.spec.tags[1]', obj), ['b']);
    assert.deepEqual(evaluateJsonPath('.spec.tags[*]', obj), ['a', 'b']);
    assert.deepEqual(evaluateJsonPath('.status.conditions[?(@.type=="Ready")].status', obj), ['True']);
    assert.deepEqual(evaluateJsonPath('.spec.missing', obj), []);
  });

  it('makes Name plus the columns, typed cells, and Age when none are declared', () => {
    const t = customResourceTable([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Bad', type: 'integer', jsonPath: '.spec.tags[0]' },
    ]);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Replicas', 'integer'],
        ['Ready', 'string'],
        ['Bad', 'integer'],
      ],
    );
    assert.deepEqual(t.cells(obj, 0), ['w1', 3, 'True', null]);
    const age = customResourceTable(undefined);
    assert.deepEqual(
      age.columns.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Age', 'date'],
      ],
    );
    assert.deepEqual(age.cells(obj, 0), ['w1', '2024-01-02T03:04:05Z']);
  });
});

describe('the field manager view of a custom resource', () => {
  it('follows the schema: structs, maps, and lists by x-kubernetes-list-type (atomic by default)', () => {
    const msgs = customResourceApplyMessages('t.Root', {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
            },
            args: { type: 'array', items: { type: 'string' } },
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    });
    const byName = new Map(msgs.map((m) => [m.fullName, m]));
    const root = byName.get('t.Root');
    assert.deepEqual(
      root?.fields.map((f) => f.jsonName),
      ['metadata', 'spec'],
    );
    const spec = byName.get(root?.fields[1].type ?? '');
    const field = (n: string) => spec?.fields.find((f) => f.jsonName === n);
    assert.deepEqual(
      [field('ports')?.label, field('ports')?.markers],
      ['repeated', { listType: 'map', listMapKey: ['name'] }],
    );
    assert.ok(byName.get(field('ports')?.type ?? '')?.fields.some((f) => f.jsonName === 'port'));
    assert.deepEqual(field('args')?.markers, { listType: 'atomic' });
    assert.deepEqual(field('tags')?.markers, { listType: 'set' });
    assert.equal(field('labels')?.kind, 'map');
  });
});

describe('x-kubernetes-validations rules', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
          {
            rule: 'self.replicas >= 0',
            messageExpression: "'replicas is ' + string(self.replicas)",
            fieldPath: '.replicas',
            reason: 'FieldValueForbidden',
          },
        ],
        properties: {
          replicas: { type: 'integer' },
          maxReplicas: { type: 'integer' },
          mode: {
            type: 'string',
            'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }],
          },
          name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith("x")' }] },
        },
      },
    },
  };
  const errs = (spec: Record<string, unknown>, old?: Record<string, unknown>): string[] =>
    validateCelRules({ spec }, old && { spec: old }, schema).map((e) => `${e.field}: ${e.message}`);

  it('passes objects that satisfy every rule', () => {
    assert.deepEqual(errs({ replicas: 1, maxReplicas: 2, mode: 'a', name: 'xy' }), []);
  });

  it('reports a failed rule with its message, messageExpression, fieldPath and reason', () => {
    assert.deepEqual(errs({ replicas: 3, maxReplicas: 2 }), [
      'spec: Invalid value: "object": replicas must not exceed maxReplicas',
    ]);
    assert.deepEqual(errs({ replicas: -1, maxReplicas: 2 }), ['spec.replicas: Forbidden: replicas is -1']);
    assert.deepEqual(errs({ replicas: 1, maxReplicas: 2, name: 'y' }), [
      'spec.name: Invalid value: "string": failed rule: self.startsWith("x")',
    ]);
  });

  it('runs transition rules only on updates, against the old value', () => {
    assert.deepEqual(errs({ replicas: 1, maxReplicas: 2, mode: 'a' }), []);
    assert.deepEqual(errs({ replicas: 1, maxReplicas: 2, mode: 'b' }, { replicas: 1, maxReplicas: 2, mode: 'a' }), [
      'spec.mode: Invalid value: "string": mode is immutable',
    ]);
  });
});
