import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateNameFrom,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
  validatePathSegmentName,
} from '../src/registry/validation/names';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

test('DNS-1123 subdomain', () => {
  const cases: Array<[string, string[]]> = [
    ['example.com', []],
    ['a', []],
    ['a-b.c-d', []],
    ['Bad_Name', [SUBDOMAIN_MSG]],
    ['-start', [SUBDOMAIN_MSG]],
    ['end.', [SUBDOMAIN_MSG]],
    ['a'.repeat(253), []],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ];
  for (const [value, want] of cases) assert.deepEqual(isDNS1123Subdomain(value), want, value);
});

test('DNS-1123 label', () => {
  const cases: Array<[string, string[]]> = [
    ['my-name', []],
    ['123-abc', []],
    ['a.b', [LABEL_MSG]],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ];
  for (const [value, want] of cases) assert.deepEqual(isDNS1123Label(value), want, value);
});

test('qualified names and label values', () => {
  assert.deepEqual(isQualifiedName('app'), []);
  assert.deepEqual(isQualifiedName('example.com/My_Name.1'), []);
  assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('Example.com/x'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.equal(isQualifiedName('a/b/c').length, 1);
  assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of/);
  assert.deepEqual(isQualifiedName('x/'), [
    'name part must be non-empty',
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
  assert.deepEqual(isQualifiedName('a'.repeat(64))[0], 'name part must be no more than 63 characters');
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('my_value'), []);
  assert.equal(isValidLabelValue('-bad').length, 1);
  assert.deepEqual(isValidLabelValue('a'.repeat(64))[0], 'must be no more than 63 characters');
});

test('config keys', () => {
  const cases: Array<[string, number]> = [
    ['key.name', 0],
    ['KEY_NAME', 0],
    ['.hidden', 0],
    ['bad key', 1],
    ['.', 1],
    ['..', 1],
    ['..x', 1],
    ['a/b', 1],
  ];
  for (const [value, n] of cases) assert.equal(isConfigMapKey(value).length, n, value);
  assert.deepEqual(isConfigMapKey('..x'), ["must not start with '..'"]);
});

test('port names', () => {
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('80'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
});

test('name validators accept a trailing dash in generateName only', () => {
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.equal(nameIsDNSSubdomain('web-', false).length, 1);
  assert.deepEqual(validatePathSegmentName('..', false), ["may not be '..'"]);
  assert.deepEqual(validatePathSegmentName('a/b%', false), ["may not contain '/'", "may not contain '%'"]);
  assert.deepEqual(validatePathSegmentName('Any_Thing', false), []);
});

test('generated names keep 58 characters of the base plus 5 random ones', () => {
  const name = generateNameFrom('x'.repeat(70), () => 0);
  assert.equal(name, `${'x'.repeat(58)}bbbbb`);
  assert.match(generateNameFrom('web-'), /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});
