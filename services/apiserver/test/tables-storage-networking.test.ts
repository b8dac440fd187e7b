import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/api/object';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import type { TableConverter } from '../src/registry/tables';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const HOUR_AGO = '2024-05-01T11:00:00Z';

function tableOf(group: string, resource: string): TableConverter {
  const def = BUILTIN_KINDS.find((k) => k.info.group === group && k.info.resource === resource);
  assert.ok(def?.table, `${group}/${resource} has its own columns`);
  return def.table;
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: HOUR_AGO, ...extra });

interface Case {
  name: string;
  obj: KubeObject;
  cells: unknown[];
}

interface Kind {
  group: string;
  resource: string;
  /** "<Name>/<type>/<priority>" of each column, in order */
  columns: string[];
  cases: Case[];
}

// Columns and cells as upstream's printers make them, kind by kind.
const KINDS: Kind[] = [
  {
    group: '',
    resource: 'persistentvolumes',
    columns: [
      'Name/string/0',
      'Capacity/string/0',
      'Access Modes/string/0',
      'Reclaim Policy/string/0',
      'Status/string/0',
      'Claim/string/0',
      'StorageClass/string/0',
      'VolumeAttributesClass/string/0',
      'Reason/string/0',
      'Age/string/0',
      'VolumeMode/string/1',
    ],
    cases: [
      {
        name: 'bound volume, class from the beta annotation',
        obj: {
          metadata: meta('pv1', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } }),
          spec: {
            capacity: { storage: '5Gi' },
            accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            claimRef: { namespace: 'ns', name: 'data' },
            storageClassName: 'fast',
            volumeMode: 'Block',
          },
          status: { phase: 'Bound' },
        },
        cells: ['pv1', '5Gi', 'RWO,RWX', 'Retain', 'Bound', 'ns/data', 'old', '<unset>', '', '60m', 'Block'],
      },
      {
        name: 'terminating volume without claim',
        obj: {
          metadata: meta('pv2', { deletionTimestamp: HOUR_AGO }),
          spec: { capacity: { storage: '1Gi' }, volumeAttributesClassName: 'gold' },
          status: { phase: 'Released', reason: 'Gone' },
        },
        cells: ['pv2', '1Gi', '', '', 'Terminating', '', '', 'gold', 'Gone', '60m', '<unset>'],
      },
    ],
  },
  {
    group: '',
    resource: 'persistentvolumeclaims',
    columns: [
      'Name/string/0',
      'Status/string/0',
      'Volume/string/0',
      'Capacity/string/0',
      'Access Modes/string/0',
      'StorageClass/string/0',
      'VolumeAttributesClass/string/0',
      'Age/string/0',
      'VolumeMode/string/1',
    ],
    cases: [
      {
        name: 'bound claim shows the volume capacity',
        obj: {
          metadata: meta('data'),
          spec: { volumeName: 'pv1', storageClassName: 'fast', volumeMode: 'Filesystem' },
          status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'] },
        },
        cells: ['data', 'Bound', 'pv1', '5Gi', 'RWO', 'fast', '<unset>', '60m', 'Filesystem'],
      },
      {
        name: 'pending claim shows no capacity',
        obj: {
          metadata: meta('wait'),
          spec: { resources: { requests: { storage: '1Gi' } } },
          status: { phase: 'Pending' },
        },
        cells: ['wait', 'Pending', '', '', '', '', '<unset>', '60m', '<unset>'],
      },
    ],
  },
  {
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    columns: [
      'Name/string/0',
      'Provisioner/string/0',
      'ReclaimPolicy/string/0',
      'VolumeBindingMode/string/0',
      'AllowVolumeExpansion/string/0',
      'Age/string/0',
    ],
    cases: [
      {
        name: 'default class',
        obj: {
          metadata: meta('std', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
          provisioner: 'ex.com/p',
          reclaimPolicy: 'Retain',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
        },
        cells: ['std (default)', 'ex.com/p', 'Retain', 'WaitForFirstConsumer', true, '60m'],
      },
      {
        name: 'upstream defaults when unset',
        obj: { metadata: meta('x'), provisioner: 'p' },
        cells: ['x', 'p', 'Delete', 'Immediate', false, '60m'],
      },
    ],
  },
  {
    group: 'storage.k8s.io',
    resource: 'csidrivers',
    columns: [
      'Name/string/0',
      'AttachRequired/boolean/0',
      'PodInfoOnMount/boolean/0',
      'StorageCapacity/boolean/0',
      'TokenRequests/string/0',
      'RequiresRepublish/boolean/0',
      'Modes/string/0',
      'Age/string/0',
    ],
    cases: [
      {
        name: 'everything set',
        obj: {
          metadata: meta('d'),
          spec: {
            attachRequired: false,
            podInfoOnMount: true,
            storageCapacity: true,
            tokenRequests: [{ audience: 'a' }, { audience: 'b' }],
            requiresRepublish: true,
            volumeLifecycleModes: ['Persistent', 'Ephemeral'],
          },
        },
        cells: ['d', false, true, true, 'a,b', true, 'Persistent,Ephemeral', '60m'],
      },
      {
        name: 'nothing set',
        obj: { metadata: meta('e'), spec: {} },
        cells: ['e', true, false, false, '<unset>', false, '<none>', '60m'],
      },
    ],
  },
  {
    group: 'storage.k8s.io',
    resource: 'csinodes',
    columns: ['Name/string/0', 'Drivers/integer/0', 'Age/string/0'],
    cases: [
      { name: 'two drivers', obj: { metadata: meta('n1'), spec: { drivers: [{}, {}] } }, cells: ['n1', 2, '60m'] },
    ],
  },
  {
    group: 'storage.k8s.io',
    resource: 'csistoragecapacities',
    columns: ['Name/string/0', 'StorageClassName/string/0', 'Capacity/string/0'],
    cases: [
      {
        name: 'with capacity',
        obj: { metadata: meta('c'), storageClassName: 'fast', capacity: '10Gi' },
        cells: ['c', 'fast', '10Gi'],
      },
      {
        name: 'without capacity',
        obj: { metadata: meta('c'), storageClassName: 'fast' },
        cells: ['c', 'fast', '<unset>'],
      },
    ],
  },
  {
    group: 'storage.k8s.io',
    resource: 'volumeattachments',
    columns: [
      'Name/string/0',
      'Attacher/string/0',
      'PV/string/0',
      'Node/string/0',
      'Attached/boolean/0',
      'Age/string/0',
    ],
    cases: [
      {
        name: 'attached',
        obj: {
          metadata: meta('va'),
          spec: { attacher: 'csi.ex', source: { persistentVolumeName: 'pv1' }, nodeName: 'n1' },
          status: { attached: true },
        },
        cells: ['va', 'csi.ex', 'pv1', 'n1', true, '60m'],
      },
    ],
  },
  {
    group: '',
    resource: 'resourcequotas',
    columns: ['Name/string/0', 'Request/string/0', 'Limit/string/0', 'Age/string/0'],
    cases: [
      {
        name: 'requests and limits split, sorted, missing usage is 0',
        obj: {
          metadata: meta('q'),
          status: {
            hard: { pods: '10', 'limits.cpu': '4', cpu: '2', 'requests.memory': '1Gi' },
            used: { pods: '3', 'limits.cpu': '1' },
          },
        },
        cells: ['q', 'cpu: 0/2, pods: 3/10, requests.memory: 0/1Gi', 'limits.cpu: 1/4', '60m'],
      },
      { name: 'no status yet', obj: { metadata: meta('new') }, cells: ['new', '', '', '60m'] },
    ],
  },
  {
    group: 'scheduling.k8s.io',
    resource: 'priorityclasses',
    columns: [
      'Name/string/0',
      'Value/integer/0',
      'Global-Default/boolean/0',
      'Age/string/0',
      'PreemptionPolicy/string/0',
    ],
    cases: [
      {
        name: 'default class',
        obj: { metadata: meta('hi'), value: 1000, globalDefault: true, preemptionPolicy: 'Never' },
        cells: ['hi', 1000, true, '60m', 'Never'],
      },
    ],
  },
  {
    group: 'node.k8s.io',
    resource: 'runtimeclasses',
    columns: ['Name/string/0', 'Handler/string/0', 'Age/string/0'],
    cases: [{ name: 'gvisor', obj: { metadata: meta('g'), handler: 'runsc' }, cells: ['g', 'runsc', '60m'] }],
  },
  {
    group: 'networking.k8s.io',
    resource: 'ingresses',
    columns: [
      'Name/string/0',
      'Class/string/0',
      'Hosts/string/0',
      'Address/string/0',
      'Ports/string/0',
      'Age/string/0',
    ],
    cases: [
      {
        name: 'more than three hosts, TLS, load balancer',
        obj: {
          metadata: meta('web'),
          spec: {
            ingressClassName: 'nginx',
            rules: [{ host: 'a' }, { host: 'b' }, {}, { host: 'c' }, { host: 'd' }],
            tls: [{ hosts: ['a'] }],
          },
          status: {
            loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.2' }] },
          },
        },
        cells: ['web', 'nginx', 'a,b,c + 2 more...', '10.0.0.2,lb.example.com', '80, 443', '60m'],
      },
      {
        name: 'no class, no host',
        obj: { metadata: meta('any'), spec: { defaultBackend: {} } },
        cells: ['any', '<none>', '*', '', '80', '60m'],
      },
    ],
  },
  {
    group: 'networking.k8s.io',
    resource: 'ingressclasses',
    columns: ['Name/string/0', 'Controller/string/0', 'Parameters/string/0', 'Age/string/0'],
    cases: [
      {
        name: 'with parameters',
        obj: {
          metadata: meta('nginx'),
          spec: {
            controller: 'k8s.io/ingress-nginx',
            parameters: { apiGroup: 'k8s.example.com', kind: 'P', name: 'p1' },
          },
        },
        cells: ['nginx', 'k8s.io/ingress-nginx', 'P.k8s.example.com/p1', '60m'],
      },
      { name: 'without', obj: { metadata: meta('x'), spec: { controller: 'c' } }, cells: ['x', 'c', '<none>', '60m'] },
    ],
  },
  {
    group: 'networking.k8s.io',
    resource: 'networkpolicies',
    columns: ['Name/string/0', 'Pod-Selector/string/0', 'Age/string/0'],
    cases: [
      {
        name: 'selector',
        obj: {
          metadata: meta('np'),
          spec: {
            podSelector: {
              matchLabels: { app: 'web' },
              matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
            },
          },
        },
        cells: ['np', 'app=web,tier in (a,b)', '60m'],
      },
      {
        name: 'empty selector is <none>',
        obj: { metadata: meta('all'), spec: { podSelector: {} } },
        cells: ['all', '<none>', '60m'],
      },
    ],
  },
];

for (const kind of KINDS) {
  describe(`${kind.group || 'core'}/${kind.resource} table`, () => {
    const table = tableOf(kind.group, kind.resource);
    test('columns', () => {
      assert.deepEqual(
        table.columns.map((c) => `${c.name}/${c.type}/${c.priority}`),
        kind.columns,
      );
      for (const c of table.columns.filter((c) => c.name === 'Name')) assert.equal(c.format, 'name');
    });
    for (const c of kind.cases) {
      test(c.name, () => {
        const cells = table.cells(c.obj, NOW);
        assert.equal(cells.length, table.columns.length);
        assert.deepEqual(cells, c.cells);
      });
    }
  });
}

test('limitranges keep Name and Created At, as upstream has no printer for them', () => {
  const def = BUILTIN_KINDS.find((k) => k.info.resource === 'limitranges');
  assert.equal(def?.table, undefined);
});
