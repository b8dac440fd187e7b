import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { BUILTIN_KINDS } from '../src/registry/kinds/index';
import type { ResourceInfo } from '../src/registry/resources';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { upstreamKey } from './helpers/upstream-storage';

// Valid objects written through the API, then read in each encoding and PUT back as
// they were read. kube-apiserver treats such an update as a no-op: defaulting and
// the field manager change nothing, and its etcd3 store skips a write whose bytes
// equal the stored ones, so the value, the mod revision and the resourceVersion the
// client sees all stay as they were (and watchers get no MODIFIED event). That holds
// for versions served through conversion too: v1 HPAs and events.k8s.io Events must
// convert back to exactly the stored v2 / core bytes.

const PB = 'application/vnd.kubernetes.protobuf';
const NS = 'rt-writes';
const ENCODINGS = ['application/json', 'application/yaml', PB] as const;

type Json = Record<string, unknown>;

const POD_TEMPLATE = {
  metadata: { labels: { app: 'rt' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.14.2' }] },
};

/** A valid object per resource ("group/version/resource"), written with the API's defaults. */
const VALID: Readonly<Record<string, Json>> = {
  'v1/configmaps': { data: { a: '1' }, binaryData: { b: 'AQI=' } },
  'v1/secrets': { type: 'Opaque', data: { k: 'dg==' } },
  'v1/serviceaccounts': { automountServiceAccountToken: false },
  'v1/services': { spec: { selector: { app: 'rt' }, ports: [{ port: 80, targetPort: 8080 }] } },
  'v1/endpoints': { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
  'v1/events': {
    involvedObject: { kind: 'Pod', namespace: NS, name: 'p' },
    reason: 'Started',
    message: 'started',
    type: 'Normal',
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    count: 1,
    source: { component: 'rt' },
  },
  'events.k8s.io/v1/events': {
    eventTime: '2026-01-01T00:00:00.000001Z',
    reportingController: 'example.com/rt',
    reportingInstance: 'rt-1',
    action: 'Started',
    reason: 'Started',
    type: 'Normal',
    note: 'a note',
    regarding: { kind: 'Pod', namespace: NS, name: 'p' },
  },
  'v1/limitranges': { spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } },
  'v1/resourcequotas': { spec: { hard: { pods: '10' } } },
  'v1/persistentvolumeclaims': {
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  'v1/replicationcontrollers': { spec: { replicas: 0, selector: { app: 'rt' }, template: POD_TEMPLATE } },
  'apps/v1/deployments': { spec: { replicas: 0, selector: { matchLabels: { app: 'rt' } }, template: POD_TEMPLATE } },
  'apps/v1/replicasets': { spec: { replicas: 0, selector: { matchLabels: { app: 'rt' } }, template: POD_TEMPLATE } },
  'apps/v1/statefulsets': {
    spec: { replicas: 0, serviceName: 'rt', selector: { matchLabels: { app: 'rt' } }, template: POD_TEMPLATE },
  },
  'apps/v1/daemonsets': { spec: { selector: { matchLabels: { app: 'rt' } }, template: POD_TEMPLATE } },
  'apps/v1/controllerrevisions': { data: { k: 'v' }, revision: 1 },
  'batch/v1/jobs': {
    spec: { suspend: true, template: { spec: { ...POD_TEMPLATE.spec, restartPolicy: 'Never' } } },
  },
  'batch/v1/cronjobs': {
    spec: {
      schedule: '*/5 * * * *',
      suspend: true,
      jobTemplate: { spec: { template: { spec: { ...POD_TEMPLATE.spec, restartPolicy: 'Never' } } } },
    },
  },
  'autoscaling/v2/horizontalpodautoscalers': {
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
  },
  'autoscaling/v1/horizontalpodautoscalers': {
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
      maxReplicas: 4,
      targetCPUUtilizationPercentage: 70,
    },
  },
  'coordination.k8s.io/v1/leases': { spec: { holderIdentity: 'h', leaseDurationSeconds: 15 } },
  'discovery.k8s.io/v1/endpointslices': {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.2'] }],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  },
  'rbac.authorization.k8s.io/v1/roles': { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
  'rbac.authorization.k8s.io/v1/clusterroles': {
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  },
  'rbac.authorization.k8s.io/v1/rolebindings': {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }],
  },
  'scheduling.k8s.io/v1/priorityclasses': { value: 1000, description: 'rt' },
  'node.k8s.io/v1/runtimeclasses': { handler: 'runc' },
  'storage.k8s.io/v1/storageclasses': { provisioner: 'example.com/rt' },
  'storage.k8s.io/v1/csidrivers': { spec: { attachRequired: false } },
  'networking.k8s.io/v1/ingressclasses': { spec: { controller: 'example.com/rt' } },
  'networking.k8s.io/v1/networkpolicies': { spec: { podSelector: {} } },
  'networking.k8s.io/v1/ingresses': {
    spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } },
  },
};

function gvr(info: ResourceInfo): string {
  return `${info.group ? `${info.group}/` : ''}${info.version}/${info.resource}`;
}

function collectionPath(info: ResourceInfo): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return info.namespaced ? `${root}/namespaces/${NS}/${info.resource}` : `${root}/${info.resource}`;
}

describe('a read object PUT back unchanged is a no-op in storage, in every encoding', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  let kv: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    c = new ApiClient(replica.kubeconfig);
    kv = new Etcd3({ hosts: etcd.endpoint });
    const ns = await c.request('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    assert.equal(ns.status, 201, ns.body.toString());
  });

  after(async () => {
    c?.close();
    kv?.close();
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('valid objects cover most of the served table', () => {
    const served = BUILTIN_KINDS.filter((k) => k.info.verbs.includes('update')).map((k) => gvr(k.info));
    const missing = served.filter((r) => !VALID[r]);
    assert.ok(missing.length <= served.length / 2, `no valid object for ${missing.join(', ')}`);
  });

  for (const def of BUILTIN_KINDS) {
    const info = def.info;
    const body = VALID[gvr(info)];
    if (!body) continue;
    test(`${gvr(info)}`, async () => {
      // unique per served version: core and events.k8s.io Events share one key space
      const name = `rt-${(info.group || 'core').replace(/\./g, '-')}-${info.version}-${info.resource}`.slice(0, 63);
      const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
      const created = await c.request('POST', collectionPath(info), {
        apiVersion,
        kind: info.kind,
        metadata: { name },
        ...body,
      });
      assert.equal(created.status, 201, created.body.toString());
      const url = `${collectionPath(info)}/${name}`;
      // the resource quota controller writes a new quota's status once; the PUTs come after it
      if (info.resource === 'resourcequotas') {
        for (let i = 0; i < 100; i++) {
          const got = await c.request('GET', url);
          if (got.json<{ status?: { used?: unknown } }>().status?.used) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const key = upstreamKey(info, NS, name);
      const before = (await kv.get(key).exec()).kvs[0];
      assert.ok(before, `stored at ${key}`);
      const rv = String(before.mod_revision);
      for (const encoding of ENCODINGS) {
        const read = await c.request('GET', url, undefined, { accept: encoding });
        assert.equal(read.status, 200, read.body.toString());
        const put = await c.request('PUT', url, read.body, { 'content-type': encoding, accept: 'application/json' });
        assert.equal(put.status, 200, `${encoding}: ${put.body.toString()}`);
        const answered = put.json<{ metadata: { resourceVersion: string } }>();
        assert.equal(answered.metadata.resourceVersion, rv, `${encoding}: the answer keeps the resourceVersion`);
        const now = (await kv.get(key).exec()).kvs[0];
        assert.equal(String(now.mod_revision), rv, `${encoding}: nothing written`);
        assert.equal(now.value.toString('hex'), before.value.toString('hex'), `${encoding}: stored bytes unchanged`);
      }
    });
  }
});
