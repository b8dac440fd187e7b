import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { CONFIGMAP, deployment, expectStatus, patchOf } from './patch-helpers';

test('merge patch: the RFC 7386 appendix A examples (object targets)', () => {
  const cases: Array<[KubeObject, unknown, KubeObject]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) {
    const before = structuredClone(target);
    assert.deepEqual(patchOf('merge-patch', target, patch, CONFIGMAP), want, JSON.stringify(patch));
    assert.deepEqual(target, before);
  }
});

test('merge patch: Kubernetes objects (lists replace whole, maps merge)', () => {
  const out = patchOf('merge-patch', deployment(), {
    metadata: { labels: { tier: null, env: 'prod' }, finalizers: ['example.com/c'] },
    spec: { template: { spec: { containers: [{ name: 'only', image: 'redis' }] } }, strategy: { rollingUpdate: null } },
  });
  assert.deepEqual(out.metadata?.labels, { app: 'web', env: 'prod' });
  assert.deepEqual(out.metadata?.finalizers, ['example.com/c']);
  const spec = out.spec as { template: { spec: { containers: unknown[]; volumes: unknown[] } }; strategy: unknown };
  assert.deepEqual(spec.template.spec.containers, [{ name: 'only', image: 'redis' }]);
  assert.deepEqual(spec.template.spec.volumes, [{ name: 'cache', emptyDir: {} }]);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate' });
});

test('merge patch: nulls inside newly added objects are dropped, as upstream json-patch does', () => {
  const out = patchOf(
    'merge-patch',
    { metadata: { name: 'x' } },
    { data: { a: '1', b: null }, list: [{ k: null, v: 1 }, null] },
    CONFIGMAP,
  );
  assert.deepEqual(out, { metadata: { name: 'x' }, data: { a: '1' }, list: [{ v: 1 }, null] });
});

test('merge patch: a body that is not a JSON object is a 400', () => {
  for (const body of [null, 'x', 3, true, ['c']]) {
    expectStatus(() => patchOf('merge-patch', deployment(), body), 400, 'BadRequest', 'Invalid JSON Patch');
  }
});
