import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/api/object';
import { StatusError } from '../src/api/errors';
import {
  buildTable,
  formatLabelSelector,
  humanDuration,
  parseIncludeObject,
  tableConverterFor,
  type TableConverter,
} from '../src/registry/tables';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function headers(c: TableConverter): Array<[string, string, string, number]> {
  return c.columns.map((col) => [col.name, col.type, col.format, col.priority]);
}

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1 * S, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [3 * 365 * D + 10 * D, '3y10d'],
    [8 * 365 * D + 40 * D, '8y'],
  ];
  for (const [ms, expected] of cases) {
    test(`${ms}ms → ${expected}`, () => assert.equal(humanDuration(ms), expected));
  }
});

describe('Namespace table', () => {
  const c = tableConverterFor('', 'Namespace');
  test('columns', () => {
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Status', 'string', '', 0],
      ['Age', 'string', '', 0],
    ]);
  });
  test('cells', () => {
    const ns: KubeObject = {
      metadata: { name: 'kube-system', creationTimestamp: ago(5 * S) },
      status: { phase: 'Active' },
    };
    assert.deepEqual(c.cells(ns, NOW), ['kube-system', 'Active', '5s']);
    assert.deepEqual(c.cells({ metadata: { name: 'x' } }, NOW), ['x', '', '<unknown>']);
  });
});

describe('ConfigMap table', () => {
  const c = tableConverterFor('', 'ConfigMap');
  test('columns', () => {
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Data', 'string', '', 0],
      ['Age', 'string', '', 0],
    ]);
  });
  test('Data counts data and binaryData keys', () => {
    const cm: KubeObject = {
      metadata: { name: 'cfg', creationTimestamp: ago(3 * M + 20 * S) },
      data: { a: '1', b: '2' },
      binaryData: { c: 'AA==' },
    };
    assert.deepEqual(c.cells(cm, NOW), ['cfg', 3, '3m20s']);
    assert.deepEqual(c.cells({ metadata: { name: 'empty', creationTimestamp: ago(2 * D) } }, NOW), ['empty', 0, '2d']);
  });
});

describe('Secret table', () => {
  const c = tableConverterFor('', 'Secret');
  test('columns', () => {
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Type', 'string', '', 0],
      ['Data', 'string', '', 0],
      ['Age', 'string', '', 0],
    ]);
  });
  test('cells', () => {
    const secret: KubeObject = {
      metadata: { name: 'tls', creationTimestamp: ago(90 * M) },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' },
    };
    assert.deepEqual(c.cells(secret, NOW), ['tls', 'kubernetes.io/tls', 2, '90m']);
  });
});

describe('Event table', () => {
  const c = tableConverterFor('', 'Event');
  test('columns and priorities follow kube-apiserver', () => {
    assert.deepEqual(headers(c), [
      ['Last Seen', 'string', '', 0],
      ['Type', 'string', '', 0],
      ['Reason', 'string', '', 0],
      ['Object', 'string', '', 0],
      ['Subobject', 'string', '', 1],
      ['Source', 'string', '', 1],
      ['Message', 'string', '', 0],
      ['First Seen', 'string', '', 1],
      ['Count', 'string', '', 1],
      ['Name', 'string', 'name', 1],
    ]);
  });
  test('a classic event with timestamps, count and source', () => {
    const ev: KubeObject = {
      metadata: { name: 'web-1.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled',
      message: '  Successfully pulled image\n',
      source: { component: 'kubelet', host: 'node-a' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
      type: 'Normal',
    };
    assert.deepEqual(c.cells(ev, NOW), [
      '30s',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{web}',
      'kubelet, node-a',
      'Successfully pulled image',
      '10m',
      4,
      'web-1.17a',
    ]);
  });
  test('a new-style event falls back to eventTime, reporting fields and count 1', () => {
    const ev: KubeObject = {
      metadata: { name: 'lease.1' },
      involvedObject: { kind: 'Lease' },
      reason: 'LeaderElection',
      message: 'became leader',
      eventTime: '2024-05-01T11:59:40.123456Z',
      reportingComponent: 'kapi-controller',
      reportingInstance: 'replica-0',
      type: 'Normal',
    };
    const cells = c.cells(ev, NOW);
    assert.equal(cells[0], '19s');
    assert.equal(cells[3], 'lease');
    assert.equal(cells[5], 'kapi-controller, replica-0');
    assert.equal(cells[7], '19s');
    assert.equal(cells[8], 1);
  });
  test('a series overrides last seen and count', () => {
    const ev: KubeObject = {
      metadata: { name: 'e' },
      involvedObject: { kind: 'Node', name: 'n1' },
      eventTime: ago(2 * H),
      series: { count: 12, lastObservedTime: ago(4 * M) },
      source: { component: 'kubelet' },
    };
    const cells = c.cells(ev, NOW);
    assert.equal(cells[0], '4m');
    assert.equal(cells[3], 'node/n1');
    assert.equal(cells[5], 'kubelet');
    assert.equal(cells[7], '120m');
    assert.equal(cells[8], 12);
  });
  test('events.k8s.io Events print the same columns from their renamed fields', () => {
    const ev: KubeObject = {
      metadata: { name: 'e2' },
      regarding: { kind: 'Deployment', name: 'web' },
      note: 'Scaled up',
      reason: 'ScalingReplicaSet',
      type: 'Normal',
      eventTime: ago(20 * S),
      reportingController: 'deployment-controller',
    };
    assert.deepEqual(tableConverterFor('events.k8s.io', 'Event').cells(ev, NOW), [
      '20s',
      'Normal',
      'ScalingReplicaSet',
      'deployment/web',
      '',
      'deployment-controller',
      'Scaled up',
      '20s',
      1,
      'e2',
    ]);
  });
});

describe('Lease table', () => {
  const c = tableConverterFor('coordination.k8s.io', 'Lease');
  test('columns and cells', () => {
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Holder', 'string', '', 0],
      ['Age', 'string', '', 0],
    ]);
    const lease: KubeObject = {
      metadata: { name: 'kapi-leader', creationTimestamp: ago(3 * D) },
      spec: { holderIdentity: 'replica-1' },
    };
    assert.deepEqual(c.cells(lease, NOW), ['kapi-leader', 'replica-1', '3d']);
    assert.deepEqual(c.cells({ metadata: { name: 'free', creationTimestamp: ago(S) }, spec: {} }, NOW), [
      'free',
      '',
      '1s',
    ]);
  });
});

describe('Deployment table', () => {
  const c = tableConverterFor('apps', 'Deployment');
  test('columns', () => {
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Up-to-date', 'string', '', 0],
      ['Available', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['Containers', 'string', '', 1],
      ['Images', 'string', '', 1],
      ['Selector', 'string', '', 1],
    ]);
  });
  test('cells', () => {
    const dep: KubeObject = {
      metadata: { name: 'web', creationTimestamp: ago(5 * H + 7 * M) },
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
        },
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1.27' },
              { name: 'sidecar', image: 'envoy:1.30' },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(c.cells(dep, NOW), [
      'web',
      '2/3',
      3,
      2,
      '5h7m',
      'web,sidecar',
      'nginx:1.27,envoy:1.30',
      'app=web,tier in (edge,front)',
    ]);
  });
  test('a fresh deployment without status reads 0/1', () => {
    const cells = c.cells(
      { metadata: { name: 'new', creationTimestamp: ago(0) }, spec: { template: { spec: {} } } },
      NOW,
    );
    assert.deepEqual(cells, ['new', '0/1', 0, 0, '0s', '', '', '']);
  });
});

describe('formatLabelSelector', () => {
  test('renders every operator, sorted by key', () => {
    assert.equal(
      formatLabelSelector({
        matchLabels: { z: '1', a: '2' },
        matchExpressions: [
          { key: 'm', operator: 'NotIn', values: ['y', 'x'] },
          { key: 'e', operator: 'Exists' },
          { key: 'g', operator: 'DoesNotExist' },
        ],
      }),
      'a=2,e,!g,m notin (x,y),z=1',
    );
    assert.equal(formatLabelSelector(undefined), '');
    assert.equal(formatLabelSelector({}), '');
    assert.equal(
      formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] }),
      '<invalid>',
    );
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), '<invalid>');
  });
});

describe('default table', () => {
  test('unknown kinds get Name and Created At (a date)', () => {
    const c = tableConverterFor('example.com', 'Widget');
    assert.deepEqual(headers(c), [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ]);
    assert.deepEqual(c.cells({ metadata: { name: 'w', creationTimestamp: '2024-04-30T08:09:10Z' } }, NOW), [
      'w',
      '2024-04-30T08:09:10Z',
    ]);
    assert.deepEqual(c.cells({ metadata: { name: 'w' } }, NOW), ['w', '0001-01-01T00:00:00Z']);
  });
  test('known kinds in other groups do not match', () => {
    assert.equal(tableConverterFor('example.com', 'Deployment').columns.length, 2);
    assert.equal(tableConverterFor('', 'Lease').columns.length, 2);
  });
});

describe('buildTable', () => {
  const c = tableConverterFor('', 'ConfigMap');
  const items: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'a',
        namespace: 'default',
        resourceVersion: '7',
        creationTimestamp: ago(5 * S),
        labels: { x: 'y' },
      },
      data: { k: 'v' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', namespace: 'default', resourceVersion: '9', creationTimestamp: ago(M) },
    },
  ];

  test('produces a meta.k8s.io/v1 Table with list metadata and PartialObjectMetadata rows', () => {
    const table = buildTable(c, items, {
      includeObject: 'Metadata',
      resourceVersion: '12',
      continue: 'tok',
      remainingItemCount: 3,
      now: NOW,
    });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '12', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(
      table.columnDefinitions?.map((col) => col.name),
      ['Name', 'Data', 'Age'],
    );
    for (const col of table.columnDefinitions ?? []) {
      assert.deepEqual(Object.keys(col).sort(), ['description', 'format', 'name', 'priority', 'type']);
      assert.ok(col.description.length > 0);
    }
    assert.deepEqual(table.rows[0], {
      cells: ['a', 1, '5s'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: items[0].metadata },
    });
    assert.deepEqual(table.rows[1].cells, ['b', 0, '60s']);
  });

  test('includeObject=Object embeds the object, None sends null', () => {
    assert.deepEqual(buildTable(c, items, { includeObject: 'Object', now: NOW }).rows[1].object, items[1]);
    assert.equal(buildTable(c, items, { includeObject: 'None', now: NOW }).rows[0].object, null);
  });

  test('omits empty list metadata, honours noHeaders and v1beta1', () => {
    const table = buildTable(c, [], { includeObject: 'Metadata', noHeaders: true, apiVersion: 'meta.k8s.io/v1beta1' });
    assert.deepEqual(table.metadata, {});
    assert.equal(table.columnDefinitions, null);
    assert.deepEqual(table.rows, []);
    assert.equal(table.apiVersion, 'meta.k8s.io/v1beta1');
    const row = buildTable(c, items.slice(0, 1), { includeObject: 'Metadata', apiVersion: 'meta.k8s.io/v1beta1' })
      .rows[0];
    assert.equal((row.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
  });

  test('JSON encoding matches the wire shape', () => {
    const json = JSON.parse(
      JSON.stringify(buildTable(c, items.slice(1), { includeObject: 'None', resourceVersion: '9', now: NOW })),
    );
    assert.deepEqual(Object.keys(json), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    assert.deepEqual(json.rows, [{ cells: ['b', 0, '60s'], object: null }]);
  });
});

describe('parseIncludeObject', () => {
  test('defaults to Metadata and rejects unknown values with 400', () => {
    assert.equal(parseIncludeObject(null), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('Object'), 'Object');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.throws(
      () => parseIncludeObject('Everything'),
      (err: unknown) => err instanceof StatusError && err.code === 400 && err.reason === 'BadRequest',
    );
  });
});
