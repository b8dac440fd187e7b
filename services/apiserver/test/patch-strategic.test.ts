import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { PatchRejectedError } from '../src/patch';
import { deployment, expectStatus, patchOf, POD } from './patch-helpers';

type Obj = Record<string, unknown>;
interface PodSpecLike {
  containers: Obj[];
  volumes?: Obj[];
}

function podSpec(o: KubeObject): PodSpecLike {
  return ((o.spec as Obj).template as { spec: PodSpecLike }).spec;
}
function names(list: Obj[] | undefined): unknown[] {
  return (list ?? []).map((e) => e.name);
}
function smp(patch: unknown, current: KubeObject = deployment()): KubeObject {
  const before = structuredClone(current);
  const out = patchOf('strategic-merge-patch', current, structuredClone(patch));
  assert.deepEqual(current, before, 'current must not change');
  return out;
}
/** `{spec:{template:{spec: podSpecPatch}}}` */
function templatePatch(podSpecPatch: Obj): Obj {
  return { spec: { template: { spec: podSpecPatch } } };
}
function containerPatch(container: Obj): Obj {
  return templatePatch({ containers: [container] });
}
function threeContainers(): KubeObject {
  const d = deployment();
  podSpec(d).containers = [
    { name: 'a', image: 'a' },
    { name: 'b', image: 'b' },
    { name: 'c', image: 'c' },
  ];
  return d;
}

test('strategic merge: containers merge by name (patchMergeKey=name)', () => {
  const cases: Array<{ name: string; current?: KubeObject; patch: Obj; want: (spec: PodSpecLike) => void }> = [
    {
      name: 'an existing container is merged field by field and keeps its place',
      patch: containerPatch({ name: 'nginx', image: 'nginx:1.26' }),
      want: (s) => {
        assert.deepEqual(names(s.containers), ['nginx', 'sidecar']);
        assert.equal(s.containers[0].image, 'nginx:1.26');
        assert.deepEqual(s.containers[0].args, ['--a', '--b']);
        assert.equal((s.containers[0].env as Obj[]).length, 2);
      },
    },
    {
      // upstream (and the kubectl patch task page) put a container the live list lacks first
      name: 'a new container without $setElementOrder goes before the live ones',
      patch: containerPatch({ name: 'redis', image: 'redis' }),
      want: (s) => assert.deepEqual(names(s.containers), ['redis', 'nginx', 'sidecar']),
    },
    {
      name: 'kubectl apply style: $setElementOrder places the new container',
      patch: templatePatch({
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }, { name: 'redis' }],
        containers: [{ name: 'redis', image: 'redis' }],
      }),
      want: (s) => assert.deepEqual(names(s.containers), ['nginx', 'sidecar', 'redis']),
    },
    {
      name: '$patch: delete removes the element with that key',
      patch: containerPatch({ name: 'sidecar', $patch: 'delete' }),
      want: (s) => assert.deepEqual(names(s.containers), ['nginx']),
    },
    {
      name: '$patch: delete of a key the list lacks is a no-op',
      patch: containerPatch({ name: 'ghost', $patch: 'delete' }),
      want: (s) => assert.deepEqual(names(s.containers), ['nginx', 'sidecar']),
    },
    {
      name: '$patch: replace replaces the whole list',
      patch: templatePatch({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] }),
      want: (s) => assert.deepEqual(s.containers, [{ name: 'only', image: 'x' }]),
    },
    {
      name: '$setElementOrder alone reorders',
      patch: templatePatch({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] }),
      want: (s) => assert.deepEqual(names(s.containers), ['sidecar', 'nginx']),
    },
    {
      name: '$setElementOrder naming some elements: the others keep their live position where it comes first',
      current: threeContainers(),
      patch: templatePatch({ '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] }),
      want: (s) => assert.deepEqual(names(s.containers), ['b', 'c', 'a']),
    },
    {
      name: 'kubectl apply removing a container: $setElementOrder plus a delete element',
      current: threeContainers(),
      patch: templatePatch({
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }],
        containers: [{ name: 'b', $patch: 'delete' }],
      }),
      want: (s) => assert.deepEqual(names(s.containers), ['a', 'c']),
    },
    {
      // patch elements keep the patch's order; live-only b goes first because it precedes c live
      name: 'several patch elements, new and existing, follow the patch order',
      current: threeContainers(),
      patch: templatePatch({ containers: [{ name: 'c', image: 'c2' }, { name: 'z' }, { name: 'a', image: 'a2' }] }),
      want: (s) =>
        assert.deepEqual(s.containers, [
          { name: 'b', image: 'b' },
          { name: 'c', image: 'c2' },
          { name: 'z' },
          { name: 'a', image: 'a2' },
        ]),
    },
  ];
  for (const c of cases) {
    const out = smp(c.patch, c.current);
    c.want(podSpec(out));
  }
});

test('strategic merge: nested merge lists (env by name, ports by containerPort) and plain lists', () => {
  const cases: Array<[string, Obj, (nginx: Obj) => void]> = [
    [
      'env merges by name',
      {
        name: 'nginx',
        env: [
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
      },
      (n) =>
        assert.deepEqual(n.env, [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ]),
    ],
    [
      'env element switches from value to valueFrom with null',
      { name: 'nginx', env: [{ name: 'A', value: null, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      (n) =>
        assert.deepEqual((n.env as Obj[])[0], { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }),
    ],
    [
      'env delete by name',
      { name: 'nginx', env: [{ name: 'A', $patch: 'delete' }] },
      (n) => assert.deepEqual(n.env, [{ name: 'B', value: '2' }]),
    ],
    [
      'ports merge by containerPort',
      {
        name: 'nginx',
        ports: [
          { containerPort: 80, name: 'http' },
          { containerPort: 443, name: 'https' },
        ],
      },
      (n) =>
        assert.deepEqual(n.ports, [
          { containerPort: 80, protocol: 'TCP', name: 'http' },
          { containerPort: 443, name: 'https' },
        ]),
    ],
    ['args (no patch strategy) replace', { name: 'nginx', args: ['--c'] }, (n) => assert.deepEqual(n.args, ['--c'])],
    ['null removes a member', { name: 'nginx', ports: null }, (n) => assert.equal('ports' in n, false)],
  ];
  for (const [name, container, want] of cases) {
    const out = smp(containerPatch(container));
    const nginx = podSpec(out).containers.find((c) => c.name === 'nginx');
    assert.ok(nginx, name);
    want(nginx);
  }
});

test('strategic merge: metadata (maps merge, finalizers by value, ownerReferences by uid)', () => {
  const cases: Array<[string, Obj, (m: Obj) => void]> = [
    [
      'labels merge; null deletes a label',
      { labels: { tier: null, env: 'prod' } },
      (m) => assert.deepEqual(m.labels, { app: 'web', env: 'prod' }),
    ],
    [
      '$patch: replace on a map',
      { labels: { $patch: 'replace', only: 'x' } },
      (m) => assert.deepEqual(m.labels, { only: 'x' }),
    ],
    ['$patch: delete on a map empties it', { labels: { $patch: 'delete' } }, (m) => assert.deepEqual(m.labels, {})],
    [
      'new map: nulls mean absent',
      { annotations: { a: '1', b: null } },
      (m) => assert.deepEqual(m.annotations, { a: '1' }),
    ],
    [
      'finalizers: a new value goes first',
      { finalizers: ['example.com/c'] },
      (m) => assert.deepEqual(m.finalizers, ['example.com/c', 'example.com/a', 'example.com/b']),
    ],
    [
      'finalizers: union without duplicates',
      { finalizers: ['example.com/b', 'example.com/c', 'example.com/c'] },
      (m) => assert.deepEqual(m.finalizers, ['example.com/a', 'example.com/b', 'example.com/c']),
    ],
    [
      '$deleteFromPrimitiveList removes values',
      { '$deleteFromPrimitiveList/finalizers': ['example.com/a', 'example.com/zz'] },
      (m) => assert.deepEqual(m.finalizers, ['example.com/b']),
    ],
    [
      'kubectl apply on finalizers: order, additions and deletions together',
      {
        '$setElementOrder/finalizers': ['example.com/b', 'example.com/c'],
        finalizers: ['example.com/c'],
        '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
      },
      (m) => assert.deepEqual(m.finalizers, ['example.com/b', 'example.com/c']),
    ],
    [
      '$deleteFromPrimitiveList on an absent list is a no-op',
      { '$deleteFromPrimitiveList/finalizers': ['x'], finalizers: null },
      (m) => assert.equal('finalizers' in m, false),
    ],
    [
      'ownerReferences merge by uid',
      {
        ownerReferences: [
          { uid: 'uid-b', apiVersion: 'v1', kind: 'Secret', name: 'owner-b' },
          { uid: 'uid-a', controller: true },
        ],
      },
      (m) =>
        assert.deepEqual(m.ownerReferences, [
          { uid: 'uid-b', apiVersion: 'v1', kind: 'Secret', name: 'owner-b' },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner-a', uid: 'uid-a', controller: true },
        ]),
    ],
    [
      'ownerReferences delete by uid',
      { ownerReferences: [{ uid: 'uid-a', $patch: 'delete' }] },
      (m) => assert.deepEqual(m.ownerReferences, []),
    ],
  ];
  for (const [name, metadataPatch, want] of cases) {
    const out = smp({ metadata: metadataPatch });
    assert.ok(out.metadata, name);
    want(out.metadata as Obj);
  }
});

test('strategic merge: $retainKeys (patchStrategy=retainKeys)', () => {
  // kubectl apply switching the rollout strategy: the docs' RollingUpdate -> Recreate example
  const out = smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual((out.spec as Obj).strategy, { type: 'Recreate' });

  // volumes are merge,retainKeys: switching a volume's source drops the old one
  const vol = smp(
    templatePatch({ volumes: [{ name: 'cache', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] }),
  );
  assert.deepEqual(podSpec(vol).volumes, [{ name: 'cache', configMap: { name: 'cm' } }]);

  // nulls and other directives do not have to be listed
  const withNull = smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
  assert.deepEqual((withNull.spec as Obj).strategy, { type: 'Recreate' });

  expectStatus(
    () => smp({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }),
    400,
    'BadRequest',
    'invalid patch format of retainKeys',
  );
  expectStatus(
    () => smp({ spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } }),
    400,
    'BadRequest',
    'invalid patch format of retainKeys',
  );
});

test('strategic merge: members the schema does not know merge like a JSON merge patch', () => {
  const current = deployment();
  (current.spec as Obj).extra = { x: 1, y: [1], z: { k: 'v' } };
  const out = smp(
    {
      spec: { extra: { x: null, y: [2], z: { n: null, k2: 'v2' } }, bogus: { a: null, b: 1 } },
      status: { replicas: 1 },
    },
    current,
  );
  assert.deepEqual((out.spec as Obj).extra, { y: [2], z: { k: 'v', k2: 'v2' } });
  assert.deepEqual((out.spec as Obj).bogus, { b: 1 });
  assert.deepEqual(out.status, { replicas: 1 });
  assert.equal(out.kind, 'Deployment');
});

test('strategic merge: whole-object cases', () => {
  assert.deepEqual(smp(null as unknown as Obj), deployment(), 'a null body is an empty patch (upstream decodes it so)');
  assert.deepEqual(smp({}), deployment());
  // Pod routes to core/v1 PodSpec directly
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'a' }] },
  };
  const out = patchOf('strategic-merge-patch', pod, { spec: { containers: [{ name: 'a', image: 'a2' }] } }, POD);
  assert.deepEqual(out.spec, { containers: [{ name: 'a', image: 'a2' }] });
});

test('strategic merge: misplaced or malformed directives are a 400 with a clear message', () => {
  const cases: Array<[string, unknown, string]> = [
    ['unknown $patch on an object', { spec: { strategy: { $patch: 'merge' } } }, 'unknown patch type'],
    ['unknown $patch on a list element', containerPatch({ name: 'nginx', $patch: 'bogus' }), 'unknown patch type'],
    ['$patch: merge on a list', containerPatch({ $patch: 'merge' }), 'merging lists cannot yet be specified'],
    [
      'delete element without its merge key',
      containerPatch({ $patch: 'delete', image: 'x' }),
      'does not contain declared merge key: name',
    ],
    ['element without its merge key', containerPatch({ image: 'x' }), 'does not contain declared merge key: name'],
    ['merge key that is not a scalar', containerPatch({ name: { a: 1 } }), 'non-scalar value for merge key'],
    [
      '$setElementOrder for an object member',
      { spec: { '$setElementOrder/selector': [] } },
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder for a list without merge strategy',
      containerPatch({ name: 'nginx', '$setElementOrder/args': ['--a'] }),
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder for an unknown member',
      { spec: { '$setElementOrder/containers': [{ name: 'a' }] } },
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder that is not a list',
      templatePatch({ '$setElementOrder/containers': { name: 'a' } }),
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder without a target',
      templatePatch({ $setElementOrder: [] }),
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder element without the merge key',
      templatePatch({ '$setElementOrder/containers': [{ image: 'a' }] }),
      'does not contain declared merge key',
    ],
    [
      '$setElementOrder disagreeing with the patch list',
      templatePatch({
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [{ name: 'sidecar' }, { name: 'nginx' }],
      }),
      "doesn't match",
    ],
    [
      '$deleteFromPrimitiveList on a list of objects',
      templatePatch({ '$deleteFromPrimitiveList/containers': ['nginx'] }),
      'invalid patch format of primitive list',
    ],
    [
      '$deleteFromPrimitiveList that is not a list',
      { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      'invalid patch format of primitive list',
    ],
    [
      '$deleteFromPrimitiveList of objects',
      { metadata: { '$deleteFromPrimitiveList/finalizers': [{ a: 1 }] } },
      'expected scalar values',
    ],
    ['an unknown directive', { spec: { $replace: true } }, 'unknown strategic merge patch directive'],
    ['objects in a list of scalars', { metadata: { finalizers: [{ a: 1 }] } }, 'list element types are not identical'],
    ['scalars in a list of objects', templatePatch({ containers: ['nginx'] }), 'list element types are not identical'],
    ['a list body', [{ spec: {} }], 'cannot unmarshal array'],
    ['a string body', 'spec', 'cannot unmarshal string'],
  ];
  for (const [name, patch, message] of cases) {
    const err = expectStatus(() => patchOf('strategic-merge-patch', deployment(), patch), 400, 'BadRequest');
    assert.ok(err.message.includes(message), `${name}: ${err.message}`);
  }
});

test("strategic merge: a list of lists is upstream's 422", () => {
  const err = expectStatus(() => smp({ metadata: { finalizers: [['a']] } }), 422, 'Invalid');
  assert.equal((err as PatchRejectedError).detail, 'lists of lists are not supported');
});
