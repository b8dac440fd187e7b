import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import { nodeRestrictionPlugin } from '../src/admission/plugins/node-restriction';
import type { AdmissionDeps } from '../src/admission/plugins/deps';
import { taintNodesByCondition } from '../src/admission/plugins/taint-nodes-by-condition';
import { storeReads } from '../src/admission/node-restriction/reads';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import type { GenericStore } from '../src/registry/generic-store';
import type { KindDefinition } from '../src/registry/kind';
import { leases } from '../src/registry/kinds/coordination.k8s.io/leases';
import { nodes } from '../src/registry/kinds/core/nodes';
import { persistentvolumeclaims } from '../src/registry/kinds/core/persistentvolumeclaims';
import { pods } from '../src/registry/kinds/core/pods';
import { serviceaccounts } from '../src/registry/kinds/core/serviceaccounts';
import { csinodes } from '../src/registry/kinds/storage.k8s.io/csinodes';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { StoreTable } from '../src/registry/store-table';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

type Json = Record<string, unknown>;

const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

/** The request is refused by admission with upstream's 403 and exactly this message. */
async function refused(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, 403);
    assert.equal(e.reason, 'Forbidden');
    return true;
  });
}

const node = (name: string, extra: { labels?: Record<string, string>; spec?: Json } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: extra.spec ?? {},
});

const container = { name: 'c', image: 'busybox' };

const pod = (name: string, spec: Json, metadata: Json = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', ...metadata },
  spec: { containers: [container], ...spec },
});

describe('NodeRestriction and TaintNodesByCondition in the stores', () => {
  let dir: string;
  let opened: OpenedStorage;
  const table = new StoreTable();
  const store = (def: KindDefinition): GenericStore => {
    const s = table.store(def.info.group, def.info.version, def.info.resource);
    assert.ok(s);
    return s;
  };
  let n1UID = '';

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-noderestriction-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    const admission = new AdmissionChain();
    const deps = {
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      admission,
    };
    for (const def of [nodes, pods, leases, csinodes, persistentvolumeclaims, serviceaccounts]) {
      table.add(makeStore(def, deps));
    }
    // in upstream's order: NodeRestriction judges the node's object before the taint is added
    admission.setPlugins([nodeRestrictionPlugin(storeReads(table)), taintNodesByCondition({} as AdmissionDeps)]);
  });

  after(async () => {
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('nodes', () => {
    test('a node registers itself, with kubelet labels only; the Node gets the not-ready taint', async () => {
      await refused(
        store(nodes).create('', node('n2'), { user: n1 }),
        'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      );
      await refused(
        store(nodes).create(
          '',
          node('n1', {
            labels: {
              'node-role.kubernetes.io/worker': '',
              'node-restriction.kubernetes.io/pool': 'a',
              'kubernetes.io/hostname': 'n1',
            },
          }),
          { user: n1 },
        ),
        'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/worker',
      );
      await refused(
        store(nodes).create(
          '',
          node('n1', { spec: { configSource: { configMap: { name: 'c', namespace: 'kube-system' } } } }),
          { user: n1 },
        ),
        'nodes "n1" is forbidden: node "n1" is not allowed to create pods with a non-nil configSource',
      );
      const labels = {
        'kubernetes.io/hostname': 'n1',
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': 'z1',
        'node.kubernetes.io/instance-type': 'big',
        'x.kubelet.kubernetes.io/feature': 'on',
        'example.com/rack': 'r1',
      };
      const created = await store(nodes).create('', node('n1', { labels }), { user: n1 });
      n1UID = created.metadata?.uid ?? '';
      assert.deepEqual(created.metadata?.labels, labels);
      assert.deepEqual((created.spec as Json).taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
      await store(nodes).create('', node('n2'), { user: admin });
    });

    test('a node may not change its taints, owner references or protected labels', async () => {
      const update = (mutate: (n: KubeObject) => void, user = n1, name = 'n1') =>
        store(nodes).updateWith(
          '',
          name,
          (n) => {
            mutate(n);
            return n;
          },
          { user },
        );
      await update((n) => {
        n.metadata = { ...n.metadata, labels: { ...n.metadata?.labels, 'example.com/disk': 'ssd' } };
      });
      await refused(
        update((n) => {
          n.metadata = { ...n.metadata, labels: { ...n.metadata?.labels, 'node-restriction.kubernetes.io/x': 'y' } };
        }),
        'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x',
      );
      await refused(
        update((n) => {
          const l = { ...n.metadata?.labels };
          delete l['topology.kubernetes.io/zone'];
          n.metadata = { ...n.metadata, labels: { ...l, 'kubernetes.io/role': 'master' } };
        }),
        'nodes "n1" is forbidden: is not allowed to modify labels: kubernetes.io/role',
      );
      await refused(
        update((n) => {
          (n.spec as Json).taints = [];
        }),
        'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
      );
      await refused(
        update((n) => {
          n.metadata = {
            ...n.metadata,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'gone', uid: 'u' }],
          };
        }),
        'nodes "n1" is forbidden: node "n1" is not allowed to modify ownerReferences',
      );
      await refused(
        update((n) => {
          (n.spec as Json).configSource = { configMap: { name: 'c', namespace: 'kube-system' } };
        }),
        'nodes "n1" is forbidden: node "n1" is not allowed to update configSource to a new non-nil configSource',
      );
      await refused(
        update(() => undefined, n1, 'n2'),
        'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      );
      // the status subresource is judged the same way, and writes status
      const status = await store(nodes).updateWith(
        '',
        'n1',
        (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
        { user: n1, statusOnly: true },
      );
      assert.equal(((status.object.status as Json).conditions as Json[])[0].status, 'True');
      // anyone else is not restricted
      const lifted = await update((n) => {
        (n.spec as Json).taints = [];
      }, admin);
      assert.equal((lifted.object.spec as Json).taints, undefined);
      const stored = await store(nodes).get('', 'n1');
      assert.equal(stored.metadata?.labels?.['example.com/disk'], 'ssd');
      assert.equal(stored.metadata?.labels?.['topology.kubernetes.io/zone'], 'z1');
    });

    test('a node deletes only itself', async () => {
      await refused(
        store(nodes).delete('', 'n2', { user: n1 }),
        'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      );
      await store(nodes).create('', node('n9'), { user: admin });
      const n9: UserInfo = { name: 'system:node:n9', groups: ['system:nodes'] };
      const r = await store(nodes).delete('', 'n9', { user: n9 });
      assert.equal(r.object.metadata?.name, 'n9');
    });

    test('TaintNodesByCondition adds the not-ready taint once, whoever creates the node', async () => {
      const has = await store(nodes).create(
        '',
        node('t1', { spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', value: 'v' }] } }),
        { user: admin },
      );
      assert.deepEqual((has.spec as Json).taints, [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', value: 'v' },
      ]);
      const other = await store(nodes).create(
        '',
        node('t2', { spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] } }),
        { user: admin },
      );
      assert.deepEqual((other.spec as Json).taints, [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      ]);
      // only creates: an update that drops the taint keeps it dropped
      const up = await store(nodes).updateWith('', 't2', (n) => ({ ...n, spec: {} }), { user: admin });
      assert.equal((up.object.spec as Json).taints, undefined);
    });
  });

  describe('pods', () => {
    const ownedBy = (uid: string, extra: Json = {}): Json[] => [
      { apiVersion: 'v1', kind: 'Node', name: 'n1', uid, controller: true, ...extra },
    ];
    const mirror = (spec: Json = {}, meta: Json = {}): KubeObject =>
      pod(
        'static-web-n1',
        { nodeName: 'n1', ...spec },
        {
          annotations: { 'kubernetes.io/config.mirror': 'hash' },
          ownerReferences: ownedBy(n1UID),
          ...meta,
        },
      );
    const create = (p: KubeObject) => store(pods).create('default', p, { user: n1 });
    const refusedPod = (p: KubeObject, why: string) =>
      refused(create(p), `pods "${p.metadata?.name ?? ''}" is forbidden: ${why}`);

    before(async () => {
      await store(pods).create('default', pod('mine', { nodeName: 'n1' }), { user: admin });
      await store(pods).create('default', pod('theirs', { nodeName: 'n2' }), { user: admin });
    });

    test('a node creates only mirror pods bound to and owned by itself', async () => {
      await refusedPod(
        pod('plain', { nodeName: 'n1' }),
        'pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
      );
      await refusedPod(mirror({ nodeName: 'n2' }), 'node "n1" can only create pods with spec.nodeName set to itself');
      await refusedPod(
        mirror({}, { ownerReferences: [] }),
        'node "n1" can only create pods with an owner reference set to itself',
      );
      await refusedPod(
        mirror({}, { ownerReferences: [...ownedBy(n1UID), ...ownedBy(n1UID)] }),
        'node "n1" can only create pods with a single owner reference set to itself',
      );
      await refusedPod(
        mirror({}, { ownerReferences: ownedBy(n1UID, { name: 'n2' }) }),
        'node "n1" can only create pods with an owner reference set to itself',
      );
      await refusedPod(
        mirror({}, { ownerReferences: ownedBy(n1UID, { kind: 'Namespace' }) }),
        'node "n1" can only create pods with an owner reference set to itself',
      );
      await refusedPod(
        mirror({}, { ownerReferences: ownedBy(n1UID, { controller: false }) }),
        'node "n1" can only create pods with a controller owner reference set to itself',
      );
      await refusedPod(
        mirror({}, { ownerReferences: ownedBy(n1UID, { blockOwnerDeletion: true }) }),
        'node "n1" must not set blockOwnerDeletion on an owner reference',
      );
      await refusedPod(
        mirror({}, { ownerReferences: ownedBy('not-the-uid') }),
        `node n1 UID mismatch: expected not-the-uid got ${n1UID}`,
      );
    });

    test('a mirror pod may not reference other API objects', async () => {
      await refusedPod(
        mirror({ serviceAccountName: 'default' }),
        'node "n1" can not create pods that reference a service account',
      );
      await refusedPod(
        mirror({ serviceAccount: 'legacy' }),
        'node "n1" can not create pods that reference a service account',
      );
      await refusedPod(
        mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }),
        'node "n1" can not create pods that reference secrets',
      );
      await refusedPod(
        mirror({ imagePullSecrets: [{ name: 'pull' }] }),
        'node "n1" can not create pods that reference secrets',
      );
      await refusedPod(
        mirror({
          initContainers: [
            { ...container, name: 'i', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
          ],
        }),
        'node "n1" can not create pods that reference secrets',
      );
      await refusedPod(
        mirror({ containers: [{ ...container, envFrom: [{ configMapRef: { name: 'cm' } }] }] }),
        'node "n1" can not create pods that reference configmaps',
      );
      await refusedPod(
        mirror({
          volumes: [{ name: 'v', projected: { sources: [{ clusterTrustBundle: { name: 'b', path: 'ca.pem' } }] } }],
        }),
        'node "n1" can not create pods that reference clustertrustbundles',
      );
      await refusedPod(
        mirror({ volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }),
        'node "n1" can not create pods that reference persistentvolumeclaims',
      );
      const ok = await create(mirror({ volumes: [{ name: 'v', emptyDir: {} }] }));
      assert.equal(ok.metadata?.name, 'static-web-n1');
    });

    test('a node updates only the status of pods bound to it, without relabelling them', async () => {
      await refused(
        store(pods).updateWith('default', 'mine', (p) => ({ ...p, metadata: { ...p.metadata, labels: { a: 'b' } } }), {
          user: n1,
        }),
        'pods "mine" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods',
      );
      const status = (p: KubeObject): KubeObject => ({ ...p, status: { ...(p.status as Json), phase: 'Running' } });
      const r = await store(pods).updateWith('default', 'mine', status, { user: n1, statusOnly: true });
      assert.equal((r.object.status as Json).phase, 'Running');
      await refused(
        store(pods).updateWith('default', 'theirs', status, { user: n1, statusOnly: true }),
        'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
      );
      await refused(
        store(pods).updateWith(
          'default',
          'mine',
          (p) => ({ ...status(p), metadata: { ...p.metadata, labels: { app: 'x' } } }),
          { user: n1, statusOnly: true },
        ),
        'pods "mine" is forbidden: node "n1" cannot update labels through pod status',
      );
      await refused(
        store(pods).updateWith(
          'default',
          'mine',
          (p) => ({ ...p, status: { ...(p.status as Json), resourceClaimStatuses: [{ name: 'gpu' }] } }),
          { user: n1, statusOnly: true },
        ),
        'pods "mine" is forbidden: node "n1" cannot update resource claim statues',
      );
    });

    test("a node evicts only pods bound to it; an unknown pod is the lister's NotFound", async () => {
      const evict = (name: string) =>
        store(pods).admitSubresourceCreate(
          'eviction',
          {
            namespace: 'default',
            name,
            object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } },
            kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
          },
          n1,
        );
      await evict('mine');
      await refused(
        evict('theirs'),
        'pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself',
      );
      await assert.rejects(
        evict('ghost'),
        (e: unknown) => e instanceof StatusError && e.code === 404 && e.message === 'pod "ghost" not found',
      );
      await refused(
        store(pods).admitSubresourceCreate('binding', { namespace: 'default', name: 'mine', object: {} }, n1),
        `pods "mine" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`,
      );
    });

    test('a node deletes only pods bound to it', async () => {
      await refused(
        store(pods).delete('default', 'theirs', { user: n1, gracePeriodSeconds: 0 }),
        'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
      );
      await store(pods).delete('default', 'static-web-n1', { user: n1, gracePeriodSeconds: 0 });
      await assert.rejects(
        store(pods).get('default', 'static-web-n1'),
        (e: unknown) => e instanceof StatusError && e.code === 404,
      );
    });
  });

  describe('leases, csinodes, claims and tokens', () => {
    const lease = (name: string, namespace = 'kube-node-lease'): KubeObject => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: { holderIdentity: name, leaseDurationSeconds: 40 },
    });

    test('a node holds only its own Lease in kube-node-lease', async () => {
      await store(leases).create('kube-node-lease', lease('n1'), { user: n1 });
      await refused(
        store(leases).create('kube-node-lease', lease('n2'), { user: n1 }),
        'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
      );
      await refused(
        store(leases).create('default', lease('n1', 'default'), { user: n1 }),
        'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
      );
      await store(leases).create('kube-node-lease', lease('n2'), { user: admin });
      const renew = (l: KubeObject): KubeObject => ({ ...l, spec: { ...(l.spec as Json), leaseDurationSeconds: 41 } });
      await store(leases).updateWith('kube-node-lease', 'n1', renew, { user: n1 });
      await refused(
        store(leases).updateWith('kube-node-lease', 'n2', renew, { user: n1 }),
        'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
      );
      await refused(
        store(leases).delete('kube-node-lease', 'n2', { user: n1 }),
        'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
      );
    });

    test('a node writes only the CSINode named after it', async () => {
      const csi = (name: string): KubeObject => ({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSINode',
        metadata: { name },
        spec: { drivers: [] },
      });
      await store(csinodes).create('', csi('n1'), { user: n1 });
      await refused(
        store(csinodes).create('', csi('n2'), { user: n1 }),
        'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node',
      );
      await store(csinodes).create('', csi('n2'), { user: admin });
      await refused(
        store(csinodes).delete('', 'n2', { user: n1 }),
        'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node',
      );
    });

    test('a node only updates PVC status capacity and conditions', async () => {
      const pvc: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      };
      await refused(
        store(persistentvolumeclaims).create('default', pvc, { user: n1 }),
        'persistentvolumeclaims "data" is forbidden: may only update PVC status',
      );
      await store(persistentvolumeclaims).create('default', pvc, { user: admin });
      const resized = await store(persistentvolumeclaims).updateWith(
        'default',
        'data',
        (c) => ({
          ...c,
          status: {
            ...(c.status as Json),
            capacity: { storage: '2Gi' },
            conditions: [{ type: 'FileSystemResizePending', status: 'True' }],
            allocatedResources: { storage: '2Gi' },
          },
        }),
        { user: n1, statusOnly: true },
      );
      assert.deepEqual((resized.object.status as Json).capacity, { storage: '2Gi' });
      await assert.rejects(
        store(persistentvolumeclaims).updateWith(
          'default',
          'data',
          (c) => ({
            ...c,
            metadata: { ...c.metadata, labels: { a: 'b' } },
            status: { ...(c.status as Json), phase: 'Lost' },
          }),
          { user: n1, statusOnly: true },
        ),
        (e: unknown) => {
          assert.ok(e instanceof StatusError);
          assert.equal(e.code, 403);
          assert.equal(
            e.message,
            'persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.quantity and status.conditions: metadata.labels, status.phase',
          );
          return true;
        },
      );
    });

    test('a node asks for tokens only bound to its own pods, by UID', async () => {
      const mine = await store(pods).get('default', 'mine');
      const theirs = await store(pods).get('default', 'theirs');
      const token = (boundObjectRef?: Json) =>
        store(serviceaccounts).admitSubresourceCreate(
          'token',
          {
            namespace: 'default',
            name: 'default',
            object: {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenRequest',
              spec: { audiences: ['api'], ...(boundObjectRef ? { boundObjectRef } : {}) },
            },
            kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
          },
          n1,
        );
      const ref = (p: KubeObject, extra: Json = {}): Json => ({
        apiVersion: 'v1',
        kind: 'Pod',
        name: p.metadata?.name,
        uid: p.metadata?.uid,
        ...extra,
      });
      const why = (s: string) => `serviceaccounts "default" is forbidden: ${s}`;
      await refused(token(), why('node requested token not bound to a pod'));
      await refused(token(ref(mine, { kind: 'Secret' })), why('node requested token not bound to a pod'));
      await refused(token(ref(mine, { uid: '' })), why('node requested token with a pod binding without a uid'));
      await refused(
        token(ref(mine, { uid: 'stale' })),
        why(
          'the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
        ),
      );
      await refused(token(ref(theirs)), why('node requested token bound to a pod scheduled on a different node'));
      await assert.rejects(
        token(ref(mine, { name: 'ghost' })),
        (e: unknown) => e instanceof StatusError && e.code === 404 && e.message === 'pod "ghost" not found',
      );
      await token(ref(mine));
    });
  });

  describe('who counts as a node', () => {
    test('a system:nodes member with no node name is refused; a look-alike user outside the group is not a node', async () => {
      const nameless: UserInfo = { name: 'system:node:', groups: ['system:nodes'] };
      await refused(
        store(leases).create(
          'default',
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' } },
          { user: nameless },
        ),
        'leases.coordination.k8s.io "x" is forbidden: could not determine node from user "system:node:"',
      );
      const lookalike: UserInfo = { name: 'system:node:n1', groups: ['system:authenticated'] };
      await store(leases).create(
        'default',
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x' } },
        { user: lookalike },
      );
    });
  });
});
