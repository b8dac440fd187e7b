import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/api/object';
import { NodeAuthorizer, type NodeGraph } from '../src/authz/node';
import type { Attributes } from '../src/authz/types';
import { parseRequestInfo } from '../src/endpoints/request-info';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import { applyNodeDefaults, nodeStrategy } from '../src/registry/strategies/nodes';
import { componentStatusTable } from '../src/registry/tables/componentstatuses';
import { nodeTable } from '../src/registry/tables/nodes';
import { parseFieldSelector } from '../src/selection/fields';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function created(obj: KubeObject): string[] {
  const o = structuredClone(obj);
  nodeStrategy.applyDefaults?.(o);
  nodeStrategy.prepareForCreate?.(o);
  return nodeStrategy.validate(o).map((e) => `${e.type} ${e.field}: ${e.message}`);
}

function updated(obj: KubeObject, old: KubeObject): string[] {
  const o = structuredClone(obj);
  nodeStrategy.applyDefaults?.(o);
  return nodeStrategy.validateUpdate(o, old).map((e) => `${e.type} ${e.field}: ${e.message}`);
}

const node = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', resourceVersion: '5' },
  spec,
  ...(status ? { status } : {}),
});

describe('node defaults', () => {
  test('allocatable defaults to capacity; podCIDR and podCIDRs fill each other', () => {
    const n = node({ podCIDR: '10.0.0.0/24' }, { capacity: { cpu: '4', memory: '8Gi' } }) as never;
    applyNodeDefaults(n);
    const o = n as KubeObject & { spec: Record<string, unknown>; status: Record<string, unknown> };
    assert.deepEqual(o.status.allocatable, { cpu: '4', memory: '8Gi' });
    assert.deepEqual(o.spec.podCIDRs, ['10.0.0.0/24']);
    const both = node({ podCIDRs: ['10.1.0.0/24', 'fd00::/64'] }) as never;
    applyNodeDefaults(both);
    assert.equal((both as { spec: { podCIDR: string } }).spec.podCIDR, '10.1.0.0/24');
  });

  test('create keeps status (the kubelet registers with it) and drops configSource', () => {
    const n = node({ configSource: { configMap: { name: 'c' } } }, { capacity: { cpu: '1' } });
    nodeStrategy.prepareForCreate?.(n);
    assert.deepEqual((n.spec as Record<string, unknown>).configSource, undefined);
    assert.deepEqual((n.status as Record<string, unknown>).capacity, { cpu: '1' });
  });

  test('update keeps the stored status', () => {
    const old = node({}, { capacity: { cpu: '1' } });
    const n = node({ unschedulable: true }, { capacity: { cpu: '99' } });
    nodeStrategy.prepareForUpdate?.(n, old);
    assert.deepEqual((n.status as Record<string, unknown>).capacity, { cpu: '1' });
  });
});

describe('node validation (one bad field per case, upstream field paths and texts)', () => {
  const cases: Array<[string, KubeObject, string]> = [
    ['bad name', { ...node(), metadata: { name: 'Bad_Name' } }, 'FieldValueInvalid metadata.name'],
    ['taint without effect', node({ taints: [{ key: 'k' }] }), 'FieldValueRequired metadata.taints[0].effect'],
    [
      'taint with unknown effect',
      node({ taints: [{ key: 'k', effect: 'Sometimes' }] }),
      'FieldValueNotSupported metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
    [
      'taint with bad key',
      node({ taints: [{ key: 'a b', effect: 'NoSchedule' }] }),
      'FieldValueInvalid metadata.taints[0].key',
    ],
    [
      'duplicate taint',
      node({
        taints: [
          { key: 'k', value: 'a', effect: 'NoSchedule' },
          { key: 'k', value: 'b', effect: 'NoSchedule' },
        ],
      }),
      'FieldValueDuplicate metadata.taints[1]: Duplicate value: core.Taint{Key:"k", Value:"b", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair',
    ],
    [
      'bad pod CIDR',
      node({ podCIDRs: ['10.0.0.0/33'] }),
      'FieldValueInvalid spec.podCIDRs[0]: Invalid value: []string{"10.0.0.0/33"}: must be valid CIDR',
    ],
    [
      'two CIDRs of one family',
      node({ podCIDRs: ['10.0.0.0/24', '10.1.0.0/24'] }),
      'FieldValueInvalid spec.podCIDRs: Invalid value: []string{"10.0.0.0/24", "10.1.0.0/24"}: may specify no more than one CIDR for each IP family',
    ],
    [
      'negative capacity',
      node({}, { capacity: { cpu: '-1' } }),
      'FieldValueInvalid status.capacity[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ],
  ];
  for (const [name, obj, want] of cases) {
    test(name, () => {
      const errs = created(obj);
      assert.ok(
        errs.some((e) => e.startsWith(want)),
        `${want}\n got ${JSON.stringify(errs)}`,
      );
    });
  }

  test('the same key with two effects is fine', () => {
    assert.deepEqual(
      created(
        node({
          taints: [
            { key: 'k', effect: 'NoSchedule' },
            { key: 'k', effect: 'NoExecute' },
          ],
        }),
      ),
      [],
    );
  });

  test('podCIDRs and providerID are set once; externalID never changes', () => {
    const old = node({ podCIDRs: ['10.0.0.0/24'], podCIDR: '10.0.0.0/24', providerID: 'aws:///i-1' });
    assert.deepEqual(updated(node({ podCIDRs: ['10.0.0.0/24'], providerID: 'aws:///i-1' }), old), []);
    assert.deepEqual(updated(node({ podCIDRs: ['10.9.0.0/24'], providerID: 'aws:///i-1' }), old), [
      'FieldValueForbidden spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
    assert.deepEqual(updated(node({ podCIDRs: ['10.0.0.0/24'], providerID: 'x' }), old), [
      'FieldValueForbidden spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
    assert.deepEqual(updated(node({ podCIDRs: ['10.0.0.0/24'] }, undefined), node({})), []);
    assert.deepEqual(updated(node({ externalID: 'e' }), node({})), [
      'FieldValueForbidden spec.externalID: Forbidden: may not be updated',
    ]);
  });

  test('duplicate addresses are refused on update', () => {
    const addr = { type: 'InternalIP', address: '10.0.0.1' };
    assert.deepEqual(updated(node({}, { addresses: [addr, addr] }), node({})), [
      'FieldValueDuplicate status.addresses[1]: Duplicate value: core.NodeAddress{Type:"InternalIP", Address:"10.0.0.1"}',
    ]);
  });

  test('spec.unschedulable is selectable', () => {
    assert.deepEqual(nodeStrategy.selectableFields?.(node({ unschedulable: true })), { 'spec.unschedulable': 'true' });
    assert.deepEqual(nodeStrategy.selectableFields?.(node({})), { 'spec.unschedulable': 'false' });
  });

  test('nodes are stored under minions, componentstatuses are never stored', () => {
    const nodes = BUILTIN_KINDS.find((k) => k.info.resource === 'nodes');
    assert.equal(nodes?.keyRoot, 'minions');
    assert.deepEqual(nodes?.info.shortNames, ['no']);
    const cs = BUILTIN_KINDS.find((k) => k.info.resource === 'componentstatuses');
    assert.deepEqual(cs?.info.verbs, ['get', 'list']);
    assert.equal(cs?.info.unstored, true);
  });
});

describe('node table', () => {
  const full: KubeObject = {
    metadata: {
      name: 'n1',
      creationTimestamp: '2024-05-01T11:00:00Z',
      labels: {
        'node-role.kubernetes.io/control-plane': '',
        'kubernetes.io/role': 'worker',
        'node-role.kubernetes.io/': '',
      },
    },
    spec: { unschedulable: true },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'InternalIP', address: '10.0.0.2' },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian 12', containerRuntimeVersion: 'containerd://1.7' },
    },
  };
  const cases: Array<[string, KubeObject, unknown[]]> = [
    [
      'ready, cordoned, two roles, first internal IP',
      full,
      [
        'n1',
        'Ready,SchedulingDisabled',
        'control-plane,worker',
        '60m',
        'v1.32.0',
        '10.0.0.1',
        '<none>',
        'Debian 12',
        '<unknown>',
        'containerd://1.7',
      ],
    ],
    [
      'no conditions, no labels',
      { metadata: { name: 'n2', creationTimestamp: '2024-05-01T11:59:00Z' } },
      ['n2', 'Unknown', '<none>', '60s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      'not ready',
      { metadata: { name: 'n3' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ['n3', 'NotReady', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
  ];
  for (const [name, obj, want] of cases) test(name, () => assert.deepEqual(nodeTable.cells(obj, NOW), want));

  test('columns as upstream: wide ones at priority 1', () => {
    assert.deepEqual(
      nodeTable.columns.map((c) => `${c.name}/${c.priority}`),
      [
        'Name/0',
        'Status/0',
        'Roles/0',
        'Age/0',
        'Version/0',
        'Internal-IP/1',
        'External-IP/1',
        'OS-Image/1',
        'Kernel-Version/1',
        'Container-Runtime/1',
      ],
    );
  });
});

describe('componentstatus table', () => {
  const cases: Array<[string, KubeObject, unknown[]]> = [
    [
      'healthy',
      { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
      ['etcd-0', 'Healthy', 'ok', ''],
    ],
    [
      'unhealthy',
      { metadata: { name: 's' }, conditions: [{ type: 'Healthy', status: 'False', message: 'refused', error: 'e' }] },
      ['s', 'Unhealthy', 'refused', 'e'],
    ],
    ['no condition', { metadata: { name: 'x' } }, ['x', 'Unknown', '', '']],
  ];
  for (const [name, obj, want] of cases) test(name, () => assert.deepEqual(componentStatusTable.cells(obj, NOW), want));
});

describe('request info: a list by metadata.name field selector names the object', () => {
  const info = (p: string) => parseRequestInfo('GET', p.split('?')[0], new URLSearchParams(p.split('?')[1] ?? ''));
  test('list and watch', () => {
    assert.equal(info('/api/v1/nodes?fieldSelector=metadata.name%3Dn1').name, 'n1');
    const w = info('/api/v1/nodes?watch=true&fieldSelector=metadata.name%3D%3Dn1');
    assert.equal(w.verb, 'watch');
    assert.equal(w.name, 'n1');
  });
  test('not for != , bad selectors or names that are not a path segment', () => {
    assert.equal(info('/api/v1/nodes?fieldSelector=metadata.name!%3Dn1').name, '');
    assert.equal(info('/api/v1/nodes?fieldSelector=garbage').name, '');
    assert.equal(info('/api/v1/nodes?fieldSelector=metadata.name%3Da%2Fb').name, '');
  });
});

describe('Node authorizer with selectors (AuthorizeNodeWithSelectors)', () => {
  const graph: NodeGraph = {
    hasPathFrom: (n, v, ns, name) => n === 'n1' && v === 'pod' && ns === 'default' && name === 'mine',
  };
  const authz = new NodeAuthorizer([], graph);
  const user = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const attrs = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({
    user,
    verb,
    isResourceRequest: true,
    path: '',
    apiGroup: '',
    apiVersion: 'v1',
    resource,
    subresource: '',
    namespace: '',
    name: '',
    ...extra,
  });
  const fields = (s: string) => ({ requirements: parseFieldSelector(s) });
  const cases: Array<[string, Attributes, string, string]> = [
    ['get own node', attrs('get', 'nodes', { name: 'n1' }), 'allow', ''],
    ['watch own node by field selector name', attrs('watch', 'nodes', { name: 'n1' }), 'allow', ''],
    [
      'get another node',
      attrs('get', 'nodes', { name: 'n2' }),
      'noOpinion',
      "node 'n1' cannot read 'n2', only its own Node object",
    ],
    [
      'list all nodes',
      attrs('list', 'nodes'),
      'noOpinion',
      "node 'n1' cannot read all nodes, only its own Node object",
    ],
    ['create a node (admission limits it)', attrs('create', 'nodes'), 'allow', ''],
    ['patch node status', attrs('patch', 'nodes', { name: 'n2', subresource: 'status' }), 'allow', ''],
    ['delete a node', attrs('delete', 'nodes', { name: 'n1' }), 'noOpinion', ''],
    ['list its pods', attrs('list', 'pods', { fieldSelector: fields('spec.nodeName=n1') }), 'allow', ''],
    ['watch its pods with ==', attrs('watch', 'pods', { fieldSelector: fields('spec.nodeName==n1') }), 'allow', ''],
    ['list all pods', attrs('list', 'pods'), 'noOpinion', 'can only list/watch pods with spec.nodeName field selector'],
    [
      "list another node's pods",
      attrs('list', 'pods', { fieldSelector: fields('spec.nodeName=n2') }),
      'noOpinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      'list with != is no scope',
      attrs('list', 'pods', { fieldSelector: fields('spec.nodeName!=n2') }),
      'noOpinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    ['get a pod bound to it', attrs('get', 'pods', { namespace: 'default', name: 'mine' }), 'allow', ''],
    [
      'get another pod',
      attrs('get', 'pods', { namespace: 'default', name: 'theirs' }),
      'noOpinion',
      "no relationship found between node 'n1' and this object",
    ],
    ['create a mirror pod', attrs('create', 'pods', { namespace: 'default' }), 'allow', ''],
    ['evict', attrs('create', 'pods', { namespace: 'default', name: 'x', subresource: 'eviction' }), 'allow', ''],
  ];
  for (const [name, a, decision, reason] of cases) {
    test(name, () => assert.deepEqual(authz.authorize(a), { decision, reason }));
  }
  test('other users get no opinion', () => {
    assert.equal(
      authz.authorize({ ...attrs('get', 'nodes', { name: 'n1' }), user: { name: 'bob', groups: [] } }).decision,
      'noOpinion',
    );
  });
});
