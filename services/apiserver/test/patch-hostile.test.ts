import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { decodePatchedObject, type PatchType } from '../src/patch';
import { DEPLOYMENT, deployment, expectStatus, nested, patchOf, schemas } from './patch-helpers';

const TYPES: PatchType[] = ['json-patch', 'merge-patch', 'strategic-merge-patch'];

function deepValue(depth: number): unknown {
  return { spec: nested(depth) };
}

test('hostile: nesting deeper than 100 is a 400 for every patch type, however deep', () => {
  for (const depth of [101, 5000, 200000]) {
    for (const type of TYPES) {
      const body = type === 'json-patch' ? [{ op: 'add', path: '/spec/x', value: nested(depth) }] : deepValue(depth);
      expectStatus(() => patchOf(type, deployment(), body), 400, 'BadRequest', 'maximum nesting depth of 100');
    }
  }
  // just under the limit is fine
  patchOf('merge-patch', deployment(), { spec: { x: nested(98) } });
});

test('hostile: "__proto__" members are data and never reach a prototype', () => {
  const bodies: Array<[PatchType, unknown]> = [
    ['merge-patch', JSON.parse('{"__proto__": {"polluted": 1}}')],
    ['merge-patch', JSON.parse('{"metadata": {"labels": {"__proto__": {"polluted": 1}}}}')],
    ['strategic-merge-patch', JSON.parse('{"spec": {"__proto__": {"polluted": 1}}}')],
    [
      'strategic-merge-patch',
      JSON.parse('{"spec": {"template": {"spec": {"containers": [{"name": "nginx", "__proto__": {"polluted": 1}}]}}}}'),
    ],
    ['json-patch', JSON.parse('[{"op": "add", "path": "/spec/x", "value": {"__proto__": {"polluted": 1}}}]')],
    ['json-patch', [{ op: 'add', path: '/__proto__/polluted', value: 1 }]],
  ];
  for (const [type, body] of bodies) {
    // `__proto__` is a member name like any other (a ConfigMap key may be one): the patch applies
    // or fails on its own merits, and no object's prototype is ever replaced
    let out: KubeObject | undefined;
    try {
      out = patchOf(type, deployment(), body);
    } catch (err) {
      assert.ok(err instanceof StatusError && err.code < 500, String(err));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    if (!out) continue;
    const seen: unknown[] = [out];
    while (seen.length > 0) {
      const v = seen.pop();
      if (typeof v !== 'object' || v === null) continue;
      const proto: unknown = Object.getPrototypeOf(v);
      assert.ok(proto === Object.prototype || proto === Array.prototype, `${type}: a prototype was replaced`);
      seen.push(...Object.values(v));
    }
  }
  const merged = patchOf('merge-patch', deployment(), JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'));
  const labels = merged.metadata?.labels as Record<string, string>;
  assert.equal(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  const added = patchOf('json-patch', deployment(), [{ op: 'add', path: '/metadata/labels/__proto__', value: 'y' }]);
  assert.equal(Object.getOwnPropertyDescriptor(added.metadata?.labels, '__proto__')?.value, 'y');
});

test('hostile: Object.prototype member names are ordinary keys', () => {
  for (const type of ['merge-patch', 'strategic-merge-patch'] as const) {
    const out = patchOf(type, deployment(), {
      metadata: { labels: { constructor: 'x', toString: 'y', hasOwnProperty: 'z' } },
      spec: { constructor: { a: 1 } },
    });
    assert.equal(out.metadata?.labels?.constructor, 'x');
    assert.deepEqual((out.spec as Record<string, unknown>).constructor, { a: 1 });
  }
  expectStatus(
    () => patchOf('json-patch', deployment(), [{ op: 'remove', path: '/metadata/constructor' }]),
    422,
    'Invalid',
  );
  expectStatus(
    () => patchOf('json-patch', deployment(), [{ op: 'copy', from: '/metadata/toString', path: '/x' }]),
    422,
    'Invalid',
  );
  expectStatus(
    () => patchOf('json-patch', deployment(), [{ op: 'add', path: '/metadata/toString/x', value: 1 }]),
    422,
    'Invalid',
  );
});

test('hostile: type confusion is replaced as upstream does, then decoding the result is 422 on "patch"', () => {
  const cases: Array<[PatchType, unknown]> = [
    ['strategic-merge-patch', { spec: [] }],
    ['strategic-merge-patch', { spec: { template: { spec: { containers: { name: 'x' } } } } }],
    ['strategic-merge-patch', { spec: { replicas: 'two' } }],
    ['strategic-merge-patch', { metadata: { labels: ['a'] } }],
    ['merge-patch', { spec: 'x' }],
    ['json-patch', [{ op: 'replace', path: '/spec/template', value: [1, 2] }]],
  ];
  for (const [type, body] of cases) {
    const patched = patchOf(type, deployment(), body);
    const err = expectStatus(
      () => decodePatchedObject(schemas, DEPLOYMENT, patched),
      422,
      'Invalid',
      'patch: Invalid value',
    );
    assert.equal(err.details?.causes?.[0]?.field, 'patch');
  }
  // a well-formed result decodes
  const ok = decodePatchedObject(
    schemas,
    DEPLOYMENT,
    patchOf('strategic-merge-patch', deployment(), { spec: { replicas: 3 } }),
  );
  assert.equal((ok.object.spec as Record<string, unknown>).replicas, 3);
});

test('hostile: large merge lists stay fast', () => {
  const current = deployment();
  const n = 20000;
  const live = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'x' }));
  ((current.spec as Record<string, unknown>).template as { spec: { containers: unknown[] } }).spec.containers = live;
  const patch = {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': Array.from({ length: n }, (_, i) => ({ name: `c${n - 1 - i}` })),
          containers: Array.from({ length: n / 2 }, (_, i) => ({ name: `c${n - 1 - 2 * i}`, image: 'y' })),
        },
      },
    },
  };
  const started = Date.now();
  const out = patchOf('strategic-merge-patch', current, patch);
  const elapsed = Date.now() - started;
  const containers = (
    (out.spec as Record<string, unknown>).template as { spec: { containers: Array<{ name: string; image: string }> } }
  ).spec.containers;
  assert.equal(containers.length, n);
  assert.equal(containers[0].name, `c${n - 1}`);
  assert.equal(containers[0].image, 'y');
  assert.equal(containers[1].image, 'x');
  assert.ok(elapsed < 3000, `took ${elapsed} ms`);
});

/** A small deterministic generator of JSON values biased towards patch directives and Kubernetes member names. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const keys = [
    'spec',
    'metadata',
    'template',
    'containers',
    'name',
    'image',
    'env',
    'ports',
    'containerPort',
    'finalizers',
    'labels',
    'strategy',
    'rollingUpdate',
    'type',
    'volumes',
    'args',
    '$patch',
    '$retainKeys',
    '$setElementOrder/containers',
    '$deleteFromPrimitiveList/finalizers',
    '$setElementOrder/env',
    'ownerReferences',
    'uid',
    'op',
    'path',
    'value',
    'from',
  ] as const;
  const scalars = [
    null,
    0,
    1,
    -1,
    80,
    'nginx',
    'delete',
    'replace',
    'merge',
    '',
    '/spec',
    '/metadata/labels/-',
    true,
    false,
    1.5,
  ] as const;
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 5 || r < 0.4) return pick(scalars);
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) out[pick(keys)] = value(depth + 1);
    return out;
  };
  return { value, pick, next };
}

test('hostile: random patches only ever succeed or fail with a 4xx StatusError', () => {
  const g = generator(20240611);
  const ops = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'] as const;
  const paths = [
    '/spec',
    '/spec/template/spec/containers/0',
    '/spec/template/spec/containers/-',
    '/metadata/labels/app',
    '/metadata/finalizers/-1',
    '/x',
    '',
    'spec',
    '/spec/replicas/0',
  ];
  for (let i = 0; i < 3000; i++) {
    const type = TYPES[i % 3];
    let body: unknown;
    if (type === 'json-patch') {
      body = Array.from({ length: 1 + Math.floor(g.next() * 4) }, () =>
        g.next() < 0.1 ? g.value(0) : { op: g.pick(ops), path: g.pick(paths), from: g.pick(paths), value: g.value(2) },
      );
    } else {
      body = g.next() < 0.1 ? g.value(0) : { spec: g.value(1), metadata: g.value(2) };
    }
    const current: KubeObject = deployment();
    try {
      const out = patchOf(type, current, body);
      assert.ok(out !== null && typeof out === 'object', `${type} ${JSON.stringify(body)}`);
    } catch (err) {
      assert.ok(
        err instanceof StatusError,
        `${type} ${JSON.stringify(body)}: ${err instanceof Error ? err.stack : String(err)}`,
      );
      assert.ok(err.code >= 400 && err.code < 500, `${type} ${JSON.stringify(body)}: ${err.code} ${err.message}`);
    }
    assert.deepEqual(current, deployment());
  }
});
