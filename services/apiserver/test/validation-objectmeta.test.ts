import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type { ObjectMeta } from '../src/api/object';
import { nameIsDNSSubdomain, validatePathSegmentName } from '../src/registry/validation/names';
import {
  validateLabels,
  validateObjectMetaCreate,
  validateObjectMetaUpdate,
} from '../src/registry/validation/objectmeta';
import { validateLabelSelector, selectorMatches } from '../src/registry/validation/labelselector';

function summary(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

const namespaced = { namespaced: true, nameValidator: nameIsDNSSubdomain };

test('ObjectMeta create validation', () => {
  const cases: Array<{ name: string; meta: ObjectMeta; opts?: typeof namespaced; want: string[] }> = [
    { name: 'valid', meta: { name: 'web', namespace: 'default' }, want: [] },
    {
      name: 'missing name',
      meta: { namespace: 'default' },
      want: ['FieldValueRequired metadata.name'],
    },
    // The store generates the name before validating, so a bare generateName is still reported.
    {
      name: 'generateName without generated name',
      meta: { generateName: 'web-', namespace: 'default' },
      want: ['FieldValueRequired metadata.name'],
    },
    {
      name: 'generateName with generated name',
      meta: { generateName: 'web-', name: 'web-x7k2p', namespace: 'default' },
      want: [],
    },
    {
      name: 'bad generateName',
      meta: { generateName: 'Web-', namespace: 'default' },
      want: ['FieldValueInvalid metadata.generateName', 'FieldValueRequired metadata.name'],
    },
    { name: 'bad name', meta: { name: 'Bad_Name', namespace: 'default' }, want: ['FieldValueInvalid metadata.name'] },
    { name: 'missing namespace', meta: { name: 'a' }, want: ['FieldValueRequired metadata.namespace'] },
    {
      name: 'namespace not a label',
      meta: { name: 'a', namespace: 'a.b' },
      want: ['FieldValueInvalid metadata.namespace'],
    },
    {
      name: 'namespace on cluster-scoped',
      meta: { name: 'a', namespace: 'x' },
      opts: { namespaced: false, nameValidator: validatePathSegmentName },
      want: ['FieldValueForbidden metadata.namespace'],
    },
    {
      name: 'negative generation',
      meta: { name: 'a', namespace: 'x', generation: -1 },
      want: ['FieldValueInvalid metadata.generation'],
    },
    {
      name: 'bad label key and value',
      meta: { name: 'a', namespace: 'x', labels: { 'bad key': 'ok', ok: '-bad-' } },
      want: ['FieldValueInvalid metadata.labels', 'FieldValueInvalid metadata.labels'],
    },
    {
      name: 'annotation keys are case-insensitive qualified names',
      meta: { name: 'a', namespace: 'x', annotations: { 'Example.COM/Key': 'v', 'bad key': 'v' } },
      want: ['FieldValueInvalid metadata.annotations'],
    },
    {
      name: 'annotations too large',
      meta: { name: 'a', namespace: 'x', annotations: { big: 'x'.repeat(262142) } },
      want: ['FieldValueTooLong metadata.annotations'],
    },
    {
      name: 'bad finalizer',
      meta: { name: 'a', namespace: 'x', finalizers: ['ok/fin', 'bad fin'] },
      want: ['FieldValueInvalid metadata.finalizers'],
    },
    {
      name: 'orphan and foreground',
      meta: { name: 'a', namespace: 'x', finalizers: ['orphan', 'foregroundDeletion'] },
      want: ['FieldValueInvalid metadata.finalizers'],
    },
    {
      name: 'owner reference missing fields',
      meta: { name: 'a', namespace: 'x', ownerReferences: [{}] },
      want: [
        'FieldValueInvalid metadata.ownerReferences.apiVersion',
        'FieldValueInvalid metadata.ownerReferences.kind',
        'FieldValueInvalid metadata.ownerReferences.name',
        'FieldValueInvalid metadata.ownerReferences.uid',
      ],
    },
    {
      name: 'two controllers',
      meta: {
        name: 'a',
        namespace: 'x',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: 'u1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r2', uid: 'u2', controller: true },
        ],
      },
      want: ['FieldValueInvalid metadata.ownerReferences'],
    },
  ];
  for (const c of cases) {
    assert.deepEqual(summary(validateObjectMetaCreate(c.meta, c.opts ?? namespaced)), c.want, c.name);
  }
});

test('ObjectMeta error messages match upstream text', () => {
  const [nameErr] = validateObjectMetaCreate({ name: 'Bad_Name', namespace: 'default' }, namespaced);
  assert.equal(
    nameErr.message,
    `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  const [required] = validateObjectMetaCreate({ namespace: 'default' }, namespaced);
  assert.equal(required.message, 'Required value: name or generateName is required');
  const [tooLong] = validateObjectMetaCreate(
    { name: 'a', namespace: 'x', annotations: { big: 'x'.repeat(300000) } },
    namespaced,
  );
  assert.equal(
    `${tooLong.field}: ${tooLong.message}`,
    'metadata.annotations: Too long: may not be more than 262144 bytes',
  );
  const [nsErr] = validateObjectMetaCreate({ name: 'a' }, namespaced);
  assert.equal(nsErr.message, 'Required value');
  const [controllers] = validateObjectMetaCreate(
    {
      name: 'a',
      namespace: 'x',
      ownerReferences: [
        { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true },
        { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true },
      ],
    },
    namespaced,
  );
  assert.match(
    controllers.message,
    /Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/,
  );
});

test('ObjectMeta update validation', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'x',
    uid: 'u1',
    resourceVersion: '5',
    creationTimestamp: '2024-01-01T00:00:00Z',
    generation: 2,
  };
  const cases: Array<{ name: string; change: ObjectMeta; want: string[] }> = [
    { name: 'unchanged', change: {}, want: [] },
    { name: 'name', change: { name: 'b' }, want: ['FieldValueInvalid metadata.name'] },
    { name: 'namespace', change: { namespace: 'y' }, want: ['FieldValueInvalid metadata.namespace'] },
    { name: 'uid', change: { uid: 'u2' }, want: ['FieldValueInvalid metadata.uid'] },
    {
      name: 'creationTimestamp',
      change: { creationTimestamp: '2025-01-01T00:00:00Z' },
      want: ['FieldValueInvalid metadata.creationTimestamp'],
    },
    {
      name: 'no resourceVersion',
      change: { resourceVersion: '' },
      want: ['FieldValueInvalid metadata.resourceVersion'],
    },
    { name: 'generation decremented', change: { generation: 1 }, want: ['FieldValueInvalid metadata.generation'] },
    { name: 'labels checked', change: { labels: { 'a b': 'c' } }, want: ['FieldValueInvalid metadata.labels'] },
  ];
  for (const c of cases) {
    const opts = { requireResourceVersion: true };
    assert.deepEqual(summary(validateObjectMetaUpdate({ ...old, ...c.change }, old, opts)), c.want, c.name);
  }
  assert.deepEqual(validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old), [], 'unconditional update');
  const [immutable] = validateObjectMetaUpdate({ ...old, name: 'b' }, old);
  assert.equal(immutable.message, 'Invalid value: "b": field is immutable');
});

test('no new finalizers on an object being deleted', () => {
  const old: ObjectMeta = {
    name: 'a',
    resourceVersion: '1',
    deletionTimestamp: '2024-01-01T00:00:00Z',
    finalizers: ['a/x'],
  };
  const errs = validateObjectMetaUpdate({ ...old, finalizers: ['a/x', 'b/y'] }, old);
  assert.deepEqual(summary(errs), ['FieldValueForbidden metadata.finalizers']);
  assert.equal(
    errs[0].message,
    'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/y"}',
  );
});

test('labels are validated at the map path', () => {
  assert.deepEqual(summary(validateLabels({ 'x/y/z': 'v' }, 'spec.template.labels')), [
    'FieldValueInvalid spec.template.labels',
  ]);
});

test('label selector validation', () => {
  const cases: Array<{ name: string; sel: Parameters<typeof validateLabelSelector>[0]; want: string[] }> = [
    { name: 'match labels', sel: { matchLabels: { app: 'web' } }, want: [] },
    { name: 'in', sel: { matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] }, want: [] },
    {
      name: 'in without values',
      sel: { matchExpressions: [{ key: 'a', operator: 'In' }] },
      want: ['FieldValueRequired s.matchExpressions[0].values'],
    },
    {
      name: 'exists with values',
      sel: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      want: ['FieldValueForbidden s.matchExpressions[0].values'],
    },
    {
      name: 'bad operator',
      sel: { matchExpressions: [{ key: 'a', operator: 'Equals' }] },
      want: ['FieldValueInvalid s.matchExpressions[0].operator'],
    },
    {
      name: 'bad key and value',
      sel: { matchExpressions: [{ key: 'a b', operator: 'NotIn', values: ['-x'] }] },
      want: ['FieldValueInvalid s.matchExpressions[0].key', 'FieldValueInvalid s.matchExpressions[0].values[0]'],
    },
    { name: 'bad match label', sel: { matchLabels: { a: '-' } }, want: ['FieldValueInvalid s.matchLabels'] },
  ];
  for (const c of cases) assert.deepEqual(summary(validateLabelSelector(c.sel, 's')), c.want, c.name);
});

test('label selector matching', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: Array<[Parameters<typeof selectorMatches>[0], boolean]> = [
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
  ];
  for (const [sel, want] of cases) assert.equal(selectorMatches(sel, labels), want, JSON.stringify(sel));
});
