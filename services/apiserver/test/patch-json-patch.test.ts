import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { MAX_JSON_PATCH_OPERATIONS, PatchRejectedError, REJECTED_PATCH_MESSAGE } from '../src/patch';
import { deployment, expectStatus, nested, patchOf } from './patch-helpers';

type Obj = Record<string, unknown>;

function containers(o: KubeObject): Obj[] {
  return ((o.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers;
}

const C = '/spec/template/spec/containers';

test('json patch: RFC 6902 operations (and upstream extensions) apply in order', () => {
  const cases: Array<{ name: string; ops: unknown[]; check: (o: KubeObject) => void }> = [
    {
      name: 'add a member',
      ops: [{ op: 'add', path: '/metadata/labels/env', value: 'prod' }],
      check: (o) => assert.deepEqual(o.metadata?.labels, { app: 'web', tier: 'frontend', env: 'prod' }),
    },
    {
      name: 'add replaces an existing member',
      ops: [{ op: 'add', path: '/spec/replicas', value: 5 }],
      check: (o) => assert.equal((o.spec as Obj).replicas, 5),
    },
    {
      name: 'add with "-" appends to an array',
      ops: [{ op: 'add', path: `${C}/-`, value: { name: 'third', image: 'x' } }],
      check: (o) =>
        assert.deepEqual(
          containers(o).map((c) => c.name),
          ['nginx', 'sidecar', 'third'],
        ),
    },
    {
      name: 'add at an index inserts',
      ops: [{ op: 'add', path: `${C}/0`, value: { name: 'first', image: 'x' } }],
      check: (o) =>
        assert.deepEqual(
          containers(o).map((c) => c.name),
          ['first', 'nginx', 'sidecar'],
        ),
    },
    {
      name: 'negative indices count from the end (upstream json-patch extension)',
      ops: [{ op: 'replace', path: `${C}/-1/image`, value: 'busybox:2' }],
      check: (o) => assert.equal(containers(o)[1].image, 'busybox:2'),
    },
    {
      name: 'remove a member and an element',
      ops: [
        { op: 'remove', path: '/metadata/labels/tier' },
        { op: 'remove', path: `${C}/0/args/0` },
      ],
      check: (o) => {
        assert.deepEqual(o.metadata?.labels, { app: 'web' });
        assert.deepEqual(containers(o)[0].args, ['--b']);
      },
    },
    {
      name: 'escaped pointer tokens (~1 is "/", ~0 is "~")',
      ops: [{ op: 'add', path: '/metadata/labels/example.com~1role', value: 'a~b' }],
      check: (o) => assert.equal(o.metadata?.labels?.['example.com/role'], 'a~b'),
    },
    {
      name: 'move',
      ops: [{ op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/layer' }],
      check: (o) => assert.deepEqual(o.metadata?.labels, { app: 'web', layer: 'frontend' }),
    },
    {
      name: 'move within an array resolves the target after the removal',
      ops: [{ op: 'move', from: `${C}/0`, path: `${C}/-` }],
      check: (o) =>
        assert.deepEqual(
          containers(o).map((c) => c.name),
          ['sidecar', 'nginx'],
        ),
    },
    {
      name: 'copy is by value',
      ops: [
        { op: 'copy', from: `${C}/0`, path: `${C}/-` },
        { op: 'replace', path: `${C}/2/name`, value: 'copy' },
      ],
      check: (o) =>
        assert.deepEqual(
          containers(o).map((c) => c.name),
          ['nginx', 'sidecar', 'copy'],
        ),
    },
    {
      name: 'test then replace (optimistic guard)',
      ops: [
        { op: 'test', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ],
      check: (o) => assert.equal((o.spec as Obj).replicas, 3),
    },
    {
      name: 'test compares structurally',
      ops: [{ op: 'test', path: '/spec/selector', value: { matchLabels: { app: 'web' } } }],
      check: () => undefined,
    },
    {
      name: 'test of a missing member against null succeeds (upstream json-patch)',
      ops: [{ op: 'test', path: '/metadata/annotations', value: null }],
      check: () => undefined,
    },
    {
      name: 'a null body is an empty patch',
      ops: null as unknown as unknown[],
      check: (o) => assert.deepEqual(o, deployment()),
    },
  ];
  for (const c of cases) {
    const current = deployment();
    const out = patchOf('json-patch', current, c.ops);
    c.check(out);
    assert.deepEqual(current, deployment(), `${c.name}: current must not change`);
  }
});

test('json patch: operations that cannot apply are the generic 422 of upstream', () => {
  const cases: Array<[string, unknown[], RegExp]> = [
    ['failed test', [{ op: 'test', path: '/spec/replicas', value: 3 }], /testing value \/spec\/replicas failed/],
    ['test of a missing member against a value', [{ op: 'test', path: '/metadata/annotations', value: {} }], /failed/],
    ['remove of a missing member', [{ op: 'remove', path: '/metadata/annotations' }], /nonexistent/],
    ['replace of a missing member', [{ op: 'replace', path: '/metadata/annotations', value: {} }], /missing key/],
    ['add below a missing member', [{ op: 'add', path: '/metadata/annotations/a', value: 'x' }], /missing path/],
    ['index out of range', [{ op: 'replace', path: `${C}/7/image`, value: 'x' }], /out of range/],
    ['index past the end for add', [{ op: 'add', path: `${C}/3`, value: {} }], /out of range/],
    ['non-numeric index', [{ op: 'add', path: `${C}/x`, value: {} }], /proper array index/],
    ['move from a missing member', [{ op: 'move', from: '/nope', path: '/x' }], /missing from path/],
    ['move into its own child', [{ op: 'move', from: '/spec', path: '/spec/template/x' }], /inside/],
    ['copy from a missing member', [{ op: 'copy', from: '/nope', path: '/x' }], /missing from path/],
    ['unknown op', [{ op: 'merge', path: '/x', value: 1 }], /Unexpected kind: merge/],
    ['missing op', [{ path: '/x', value: 1 }], /Unexpected kind: unknown/],
    ['null operation', [null], /Unexpected kind/],
    ['path without a leading slash', [{ op: 'add', path: 'metadata', value: 1 }], /invalid path/],
    ['missing path', [{ op: 'add', value: 1 }], /invalid path|whole document/],
    ['whole-document add', [{ op: 'add', path: '', value: {} }], /whole document/],
    [
      'a later op fails after earlier ones applied',
      [
        { op: 'add', path: '/spec/replicas', value: 9 },
        { op: 'remove', path: '/nope' },
      ],
      /nonexistent/,
    ],
  ];
  for (const [name, ops, detail] of cases) {
    const current = deployment();
    const err = expectStatus(() => patchOf('json-patch', current, ops), 422, 'Invalid', REJECTED_PATCH_MESSAGE);
    assert.equal(err.message, REJECTED_PATCH_MESSAGE, name);
    assert.ok(err instanceof PatchRejectedError);
    assert.match(err.detail, detail, name);
    assert.deepEqual(err.toStatus().details, undefined, `${name}: upstream sends no causes`);
    assert.deepEqual(current, deployment(), `${name}: current must not change`);
  }
});

test('json patch: a body that is not a list of operation objects is a 400', () => {
  const cases: Array<[string, unknown]> = [
    ['object', { op: 'add', path: '/x', value: 1 }],
    ['string', 'add'],
    ['number', 5],
    ['list of numbers', [1]],
    ['list of lists', [[{ op: 'add' }]]],
    ['op of the wrong type', [{ op: 5, path: '/x' }]],
    ['path of the wrong type', [{ op: 'add', path: ['x'], value: 1 }]],
    ['from of the wrong type', [{ op: 'copy', from: {}, path: '/x' }]],
  ];
  for (const [name, body] of cases) {
    expectStatus(() => patchOf('json-patch', deployment(), body), 400, 'BadRequest');
    assert.equal(({} as Obj).polluted, undefined, name);
  }
});

test('json patch: a "__proto__" token is an ordinary member name, never a prototype', () => {
  // no own member of that name: missing path, like any other
  expectStatus(
    () => patchOf('json-patch', deployment(), [{ op: 'add', path: '/metadata/__proto__/polluted', value: 1 }]),
    422,
    'Invalid',
  );
  assert.equal(({} as Obj).polluted, undefined);
  const out = patchOf('json-patch', deployment(), [
    { op: 'add', path: '/metadata/annotations', value: {} },
    { op: 'add', path: '/metadata/annotations/__proto__', value: 'a' },
    { op: 'copy', from: '/metadata/annotations/__proto__', path: '/metadata/annotations/copied' },
    { op: 'replace', path: '/metadata/annotations/__proto__', value: 'b' },
  ]);
  const annotations = out.metadata?.annotations as Obj;
  assert.equal(Object.getPrototypeOf(annotations), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(annotations, '__proto__')?.value, 'b');
  assert.equal(annotations.copied, 'a');
  const removed = patchOf('json-patch', out, [{ op: 'remove', path: '/metadata/annotations/__proto__' }]);
  assert.equal(Object.hasOwn(removed.metadata?.annotations ?? {}, '__proto__'), false);
});

test('json patch: more than 10000 operations is 413 RequestEntityTooLarge', () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
    op: 'test',
    path: '/spec/replicas',
    value: 2,
  }));
  expectStatus(
    () => patchOf('json-patch', deployment(), ops),
    413,
    'RequestEntityTooLarge',
    'The allowed maximum operations in a JSON patch is 10000, got 10001',
  );
  // exactly the limit is fine
  patchOf('json-patch', deployment(), ops.slice(1));
});

test('json patch: copies that keep doubling the document hit the copy budget (422)', () => {
  const ops: unknown[] = [{ op: 'add', path: '/spec/blob', value: ['x'.repeat(1000)] }];
  for (let i = 0; i < 40; i++) ops.push({ op: 'copy', from: '/spec/blob', path: '/spec/blob/-' });
  for (let i = 0; i < 30; i++) ops.push({ op: 'copy', from: '/spec', path: `/metadata/c${i}` });
  const err = expectStatus(() => patchOf('json-patch', deployment(), ops), 422, 'Invalid');
  assert.match((err as PatchRejectedError).detail, /accumulated size increase of copy/);
});

test('json patch: operations cannot build a document deeper than the nesting limit', () => {
  const ops: unknown[] = [];
  let path = '/spec';
  for (let i = 0; i < 5; i++) {
    ops.push({ op: 'add', path: `${path}/n`, value: nested(40) });
    path += '/n' + '/a'.repeat(38);
  }
  const err = expectStatus(() => patchOf('json-patch', deployment(), ops), 422, 'Invalid');
  assert.match((err as PatchRejectedError).detail, /nesting depth/);
});
