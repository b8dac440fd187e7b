import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomResourceDefinition } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { crdStrategy } from '../src/registry/strategies/customresourcedefinitions';
import type { KubeObject } from '../src/api/object';

function crd(mutate: (c: CustomResourceDefinition) => void = () => undefined): KubeObject {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  };
  mutate(c);
  return c as KubeObject;
}

function errorsOf(obj: KubeObject): string[] {
  crdStrategy.applyDefaults?.(obj);
  return crdStrategy.validate(obj).map((e) => `${e.field}: ${e.message}`);
}

describe('CustomResourceDefinition defaulting', () => {
  it('defaults singular, listKind and the conversion strategy as upstream', () => {
    const obj = crd() as CustomResourceDefinition;
    crdStrategy.applyDefaults?.(obj as KubeObject);
    assert.equal(obj.spec?.names?.singular, 'widget');
    assert.equal(obj.spec?.names?.listKind, 'WidgetList');
    assert.deepEqual(obj.spec?.conversion, { strategy: 'None' });
  });

  it('records the storage version in status.storedVersions on create and on a storage change', () => {
    const obj = crd() as CustomResourceDefinition;
    crdStrategy.prepareForCreate?.(obj as KubeObject);
    assert.deepEqual(obj.status?.storedVersions, ['v1']);
    assert.equal(obj.metadata?.generation, 1);
    const next = crd((c) => {
      c.spec!.versions = [
        { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
        { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
      ];
    }) as CustomResourceDefinition;
    crdStrategy.prepareForUpdate?.(next as KubeObject, obj as KubeObject);
    assert.deepEqual(next.status?.storedVersions, ['v1', 'v2']);
    assert.equal(next.metadata?.generation, 2);
  });
});

describe('CustomResourceDefinition validation', () => {
  it('accepts a well-formed definition', () => {
    assert.deepEqual(errorsOf(crd()), []);
  });

  it('accepts untyped fields that preserve unknown fields or are int-or-string', () => {
    const ok = crd(
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              a: { 'x-kubernetes-preserve-unknown-fields': true },
              b: { 'x-kubernetes-int-or-string': true },
            },
          },
        }),
    );
    assert.deepEqual(errorsOf(ok), []);
  });

  const cases: Array<[string, (c: CustomResourceDefinition) => void, string]> = [
    [
      'name other than plural.group',
      (c) => (c.metadata!.name = 'gadgets.example.com'),
      'metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group',
    ],
    ['missing group', (c) => delete c.spec!.group, 'spec.group: Required value'],
    [
      'group without a dot',
      (c) => {
        c.spec!.group = 'example';
        c.metadata!.name = 'widgets.example';
      },
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
    ],
    ['missing scope', (c) => delete c.spec!.scope, 'spec.scope: Required value'],
    [
      'unknown scope',
      (c) => (c.spec!.scope = 'Global'),
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    ],
    ['missing plural', (c) => delete c.spec!.names!.plural, 'spec.names.plural: Required value'],
    ['missing kind', (c) => delete c.spec!.names!.kind, 'spec.names.kind: Required value'],
    [
      'kind equal to listKind',
      (c) => (c.spec!.names!.listKind = 'Widget'),
      'spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same',
    ],
    [
      'two storage versions',
      (c) =>
        c.spec!.versions!.push({
          name: 'v2',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object' } },
        }),
      'must have exactly one version marked as storage version',
    ],
    [
      'no storage version',
      (c) => (c.spec!.versions![0].storage = false),
      'must have exactly one version marked as storage version',
    ],
    [
      'repeated version names',
      (c) =>
        c.spec!.versions!.push({
          name: 'v1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object' } },
        }),
      'must contain unique version names',
    ],
    [
      'bad version name',
      (c) => (c.spec!.versions![0].name = 'V1'),
      'spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters',
    ],
    [
      'no schema',
      (c) => delete c.spec!.versions![0].schema,
      'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
    ],
    [
      'root not an object',
      (c) => (c.spec!.versions![0].schema = { openAPIV3Schema: { type: 'string' } }),
      'spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "string": must be object at the root',
    ],
    [
      'a property without a type',
      (c) => (c.spec!.versions![0].schema = { openAPIV3Schema: { type: 'object', properties: { spec: {} } } }),
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    ],
    [
      'array items without a type',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: { type: 'object', properties: { list: { type: 'array', items: {} } } },
        }),
      'spec.versions[0].schema.openAPIV3Schema.properties[list].items.type: Required value: must not be empty for specified array items',
    ],
    [
      'an array without items',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: { type: 'object', properties: { list: { type: 'array' } } },
        }),
      'spec.versions[0].schema.openAPIV3Schema.properties[list].items: Required value: must be specified',
    ],
    [
      'an unknown type',
      (c) =>
        (c.spec!.versions![0].schema = { openAPIV3Schema: { type: 'object', properties: { x: { type: 'int' } } } }),
      'spec.versions[0].schema.openAPIV3Schema.properties[x].type: Unsupported value: "int": supported values: "array", "boolean", "integer", "number", "object", "string"',
    ],
    [
      'preserve-unknown-fields false',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
        }),
      'spec.versions[0].schema.openAPIV3Schema.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
    ],
    [
      'properties beside additionalProperties',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
            },
          },
        }),
      'spec.versions[0].schema.openAPIV3Schema.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
    ],
    [
      'a rule that does not compile',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x ==' }] },
        }),
      'spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.x ==", ',
    ],
    [
      'an unknown rule reason',
      (c) =>
        (c.spec!.versions![0].schema = {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true', reason: 'Nope' }] },
        }),
      'spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    ],
    [
      'bad short name',
      (c) => (c.spec!.names!.shortNames = ['Wd']),
      'spec.names.shortNames[0]: Invalid value: "Wd": a DNS-1035 label',
    ],
  ];
  for (const [title, mutate, expected] of cases) {
    it(`refuses ${title}`, () => {
      const errs = errorsOf(crd(mutate));
      assert.ok(
        errs.some((e) => e.includes(expected)),
        `expected ${JSON.stringify(expected)} in ${JSON.stringify(errs)}`,
      );
    });
  }

  it('prints spec.versions as Go does in the storage version error', () => {
    const errs = errorsOf(crd((c) => (c.spec!.versions![0].storage = false)));
    const e = errs.find((x) => x.startsWith('spec.versions: '));
    assert.match(
      e ?? '',
      /^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:false, /,
    );
  });

  it('keeps group and plural immutable and scope immutable once established', () => {
    const old = crd((c) => {
      c.status = { conditions: [{ type: 'Established', status: 'True' }], storedVersions: ['v1'] };
    });
    crdStrategy.applyDefaults?.(old);
    const next = crd((c) => {
      c.spec!.scope = 'Cluster';
      c.status = { storedVersions: ['v1', 'v0'] };
    });
    crdStrategy.applyDefaults?.(next);
    const errs = crdStrategy.validateUpdate(next, old).map((e) => `${e.field}: ${e.message}`);
    assert.ok(errs.includes('spec.scope: Invalid value: "Cluster": field is immutable'), JSON.stringify(errs));
    assert.ok(errs.includes('status.storedVersions[1]: Invalid value: "v0": must appear in spec.versions'));
  });
});
