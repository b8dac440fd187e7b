import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { decodeContinue, encodeContinue } from '../src/registry/continue-token';
import { checkSupportedFields, matchesFields, parseFieldSelector } from '../src/selection/fields';
import { matchesLabels, parseLabelSelector } from '../src/selection/labels';

test('label selectors: every operator', () => {
  const labels = { app: 'nginx', tier: 'web', n: '5' };
  const cases: Array<[string, boolean]> = [
    ['app=nginx', true],
    ['app==nginx', true],
    ['app!=nginx', false],
    ['app=nginx,tier=web', true],
    ['app=nginx,tier=db', false],
    ['app in (nginx, apache)', true],
    ['app notin (nginx)', false],
    ['tier', true],
    ['!tier', false],
    ['missing!=x', true],
    ['!missing', true],
    ['n>3', true],
    ['n<3', false],
    ['', true],
  ];
  for (const [sel, want] of cases) assert.equal(matchesLabels(parseLabelSelector(sel), labels), want, sel);
});

test('label selectors: malformed input is a BadRequest', () => {
  for (const bad of ['app=(', 'a b c', ',', 'x>y']) {
    assert.throws(
      () => parseLabelSelector(bad),
      (e: unknown) => e instanceof StatusError && e.code === 400,
      bad,
    );
  }
});

test('field selectors: parse, match, unsupported field', () => {
  const sel = parseFieldSelector('metadata.name=a,metadata.namespace!=b');
  assert.equal(matchesFields(sel, { 'metadata.name': 'a', 'metadata.namespace': 'c' }), true);
  assert.equal(matchesFields(sel, { 'metadata.name': 'a', 'metadata.namespace': 'b' }), false);
  assert.throws(
    () => checkSupportedFields(parseFieldSelector('spec.x=1'), new Set(['metadata.name'])),
    (e: unknown) => e instanceof StatusError && e.code === 400 && /field label not supported: spec.x/.test(e.message),
  );
});

test('continue tokens round-trip and reject tampering', () => {
  const t = encodeContinue('ns/c-009', 42);
  assert.deepEqual(decodeContinue(t, '/registry/configmaps/'), {
    startKey: '/registry/configmaps/ns/c-009',
    revision: 42,
  });
  for (const bad of ['!!!', Buffer.from('{"v":"x"}').toString('base64url'), encodeContinue('../../secrets/x', 3)]) {
    assert.throws(
      () => decodeContinue(bad, '/registry/configmaps/'),
      (e: unknown) => e instanceof StatusError && e.code === 400,
    );
  }
});
