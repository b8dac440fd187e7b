import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { writeKubeconfig } from '../src/certs';
import { issueLeaf, type KeyAndCert } from '../src/certs/issue';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

type Json = Record<string, unknown>;

const NODE = (name: string) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {node-role.kubernetes.io/control-plane: ""}
spec:
  podCIDR: 10.244.0.0/24
  providerID: kind://docker/${name}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: ready}
  addresses:
  - {type: InternalIP, address: 172.18.0.2}
  nodeInfo:
    kubeletVersion: v1.32.0
    osImage: Debian GNU/Linux 12 (bookworm)
    kernelVersion: 6.1.0-18-amd64
    containerRuntimeVersion: containerd://1.7.13
    machineID: m
    systemUUID: s
    bootID: b
    kubeProxyVersion: v1.32.0
    operatingSystem: linux
    architecture: amd64
`;

interface Reply {
  status: number;
  json: () => Json;
  body: string;
}

function call(
  url: string,
  method: string,
  p: string,
  who: { cert?: KeyAndCert; token?: string },
  body?: unknown,
  contentType = 'application/json',
): Promise<Reply> {
  const u = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (who.token) headers.authorization = `Bearer ${who.token}`;
  if (payload) headers['content-type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: Number(u.port),
        method,
        path: p,
        headers,
        rejectUnauthorized: false,
        cert: who.cert?.certPem,
        key: who.cert?.keyPem,
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as Json }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Nodes, componentstatuses, the system priority classes and the Node authorizer through
// kubectl v1.32 against a real kapi on a real etcd.
describe('nodes with kubectl', () => {
  let etcd: RunningEtcd;
  let replica: ReplicaProcess;
  let nodeCert: KeyAndCert;
  let nodeKubeconfig: string;
  const args = (): string[] => [
    '--storage-backend=etcd3',
    `--etcd-servers=${etcd.endpoint}`,
    '--authorization-mode=Node,RBAC',
    // as every real cluster runs it (TaintNodesByCondition is on by default)
    '--enable-admission-plugins=NodeRestriction',
  ];
  const ok = (a: string[], stdin?: string) => kubectlOk(replica.kubeconfig, a, stdin);

  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: args() });
    const pki = path.join(replica.dataDir, 'pki');
    const ca = {
      certPem: readFileSync(path.join(pki, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(path.join(pki, 'ca.key'), 'utf8'),
    };
    nodeCert = issueLeaf(ca, {
      subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      usage: 'clientAuth',
    });
    nodeKubeconfig = path.join(replica.dataDir, 'n1.kubeconfig');
    await writeKubeconfig(nodeKubeconfig, {
      server: replica.url,
      caPem: ca.certPem,
      clientCertPem: nodeCert.certPem,
      clientKeyPem: nodeCert.keyPem,
    });
  });

  after(async () => {
    await replica?.cleanup();
    await etcd?.stop();
  });

  test('kubectl create -f node.yaml keeps status, defaults allocatable, stores under /registry/minions', async () => {
    await ok(['create', '-f', '-'], NODE('n1'));
    await ok(['create', '-f', '-'], NODE('n2'));
    const n = JSON.parse(await ok(['get', 'node', 'n1', '-o', 'json'])) as Json;
    const status = n.status as Json;
    assert.deepEqual(status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
    assert.deepEqual((n.spec as Json).podCIDRs, ['10.244.0.0/24']);
    // TaintNodesByCondition: nothing lands on a new node before its controller sees it Ready
    assert.deepEqual((n.spec as Json).taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      const keys = await client.getAll().prefix('/registry/minions/').keys();
      assert.deepEqual(keys.sort(), ['/registry/minions/n1', '/registry/minions/n2']);
      assert.deepEqual(await client.getAll().prefix('/registry/nodes/').keys(), []);
    } finally {
      client.close();
    }
  });

  test('kubectl get nodes and -o wide show upstream columns', async () => {
    const plain = await ok(['get', 'no']);
    assert.match(plain, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    assert.match(plain, /\nn1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0\n/);
    const wide = await ok(['get', 'nodes', '-o', 'wide']);
    assert.match(
      wide,
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME\n/,
    );
    assert.match(
      wide,
      /n1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0\s+172\.18\.0\.2\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+6\.1\.0-18-amd64\s+containerd:\/\/1\.7\.13/,
    );
  });

  test('kubectl label and annotate node; roles follow the labels', async () => {
    await ok(['label', 'node', 'n2', 'node-role.kubernetes.io/worker=', 'disk=ssd']);
    await ok(['annotate', 'node', 'n2', 'example.com/owner=team-a']);
    const n = JSON.parse(await ok(['get', 'node', 'n2', '-o', 'json'])) as { metadata: Json };
    assert.equal((n.metadata.labels as Json).disk, 'ssd');
    assert.equal((n.metadata.annotations as Json)['example.com/owner'], 'team-a');
    assert.match(await ok(['get', 'node', 'n2']), /n2\s+Ready\s+control-plane,worker\s/);
    assert.match(await ok(['get', 'nodes', '-l', 'disk=ssd', '-o', 'name']), /^node\/n2\n$/);
  });

  test('kubectl cordon shows SchedulingDisabled and selects by spec.unschedulable; uncordon undoes it', async () => {
    assert.match(await ok(['cordon', 'n1']), /node\/n1 cordoned/);
    assert.match(await ok(['get', 'node', 'n1']), /n1\s+Ready,SchedulingDisabled\s/);
    assert.equal(await ok(['get', 'nodes', '--field-selector', 'spec.unschedulable=true', '-o', 'name']), 'node/n1\n');
    assert.equal(await ok(['get', 'nodes', '--field-selector', 'spec.unschedulable=false', '-o', 'name']), 'node/n2\n');
    assert.match(await ok(['uncordon', 'n1']), /node\/n1 uncordoned/);
    assert.equal(await ok(['get', 'nodes', '--field-selector', 'spec.unschedulable=true', '-o', 'name']), '');
    const bad = await kubectl(replica.kubeconfig, ['get', 'nodes', '--field-selector', 'spec.podCIDR=x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.podCIDR/);
  });

  test('podCIDR and providerID are set once; a bad taint is refused with upstream paths', async () => {
    const cidr = await kubectl(replica.kubeconfig, [
      'patch',
      'node',
      'n1',
      '--type=merge',
      '-p',
      '{"spec":{"podCIDR":"10.9.0.0/24","podCIDRs":["10.9.0.0/24"]}}',
    ]);
    assert.notEqual(cidr.code, 0);
    assert.match(cidr.stderr, /spec\.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid/);
    const pid = await kubectl(replica.kubeconfig, [
      'patch',
      'node',
      'n1',
      '--type=merge',
      '-p',
      '{"spec":{"providerID":"other"}}',
    ]);
    assert.match(
      pid.stderr,
      /spec\.providerID: Forbidden: node updates may not change providerID except from "" to valid/,
    );
    const taint = await kubectl(replica.kubeconfig, [
      'patch',
      'node',
      'n1',
      '--type=merge',
      '-p',
      '{"spec":{"taints":[{"key":"k","effect":"Maybe"}]}}',
    ]);
    assert.match(taint.stderr, /metadata\.taints\[0\]\.effect: Unsupported value: "Maybe"/);
    await ok(['taint', 'node', 'n1', 'dedicated=gpu:NoSchedule']);
    const n = JSON.parse(await ok(['get', 'node', 'n1', '-o', 'json'])) as { spec: { taints: Json[] } };
    // kubectl taint puts the new taint before the ones the node had
    assert.deepEqual(n.spec.taints, [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
    ]);
  });

  test('the status subresource writes only status', async () => {
    await ok([
      'patch',
      'node',
      'n2',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"capacity":{"cpu":"8"}},"spec":{"unschedulable":true}}',
    ]);
    const n = JSON.parse(await ok(['get', 'node', 'n2', '-o', 'json'])) as { spec: Json; status: Json };
    assert.equal((n.status.capacity as Json).cpu, '8');
    assert.equal(n.spec.unschedulable, undefined);
  });

  test('kubectl get cs: etcd healthy, absent components unhealthy, deprecation warning', async () => {
    const r = await kubectl(replica.kubeconfig, ['get', 'cs']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    assert.match(r.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\n/);
    assert.match(r.stdout, /\netcd-0\s+Healthy\s+ok/);
    assert.match(
      r.stdout,
      /\nscheduler\s+Unhealthy\s+Get "https:\/\/127\.0\.0\.1:10259\/healthz": dial tcp 127\.0\.0\.1:10259: connect: connection refused/,
    );
    const one = JSON.parse(await ok(['get', 'componentstatus', 'etcd-0', '-o', 'json'])) as Json;
    assert.deepEqual(one.conditions, [{ type: 'Healthy', status: 'True', message: 'ok' }]);
    const missing = await kubectl(replica.kubeconfig, ['get', 'cs', 'nope']);
    assert.match(missing.stderr, /componentstatuses "nope" not found/);
    const del = await kubectl(replica.kubeconfig, ['delete', 'cs', 'etcd-0']);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /delete is not supported|MethodNotAllowed|not allowed/i);
  });

  test('as system:node:n1: its own Node only, pods only by spec.nodeName', async () => {
    const as = (a: string[]) => kubectl(nodeKubeconfig, a);
    assert.equal((await as(['get', 'node', 'n1', '-o', 'name'])).stdout, 'node/n1\n');
    assert.equal(
      (await as(['get', 'nodes', '--field-selector', 'metadata.name=n1', '-o', 'name'])).stdout,
      'node/n1\n',
    );
    const other = await as(['get', 'node', 'n2']);
    assert.match(
      other.stderr,
      /nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object/,
    );
    const all = await as(['get', 'nodes']);
    assert.match(
      all.stderr,
      /cannot list resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read all nodes, only its own Node object/,
    );
    const pods = await call(replica.url, 'GET', '/api/v1/pods', { cert: nodeCert });
    assert.equal(pods.status, 403, pods.body);
    assert.equal(pods.json().reason, 'Forbidden');
    assert.match(String(pods.json().message), /can only list\/watch pods with spec.nodeName field selector/);
    // authorized with the selector: whatever pods answer is not the authorizer's 403
    const scoped = await call(replica.url, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', { cert: nodeCert });
    assert.notEqual(scoped.status, 403, scoped.body);
    const wrong = await call(replica.url, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn2', { cert: nodeCert });
    assert.equal(wrong.status, 403, wrong.body);
    const garbage = await call(replica.url, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName', { cert: nodeCert });
    assert.equal(garbage.status, 403, garbage.body);
  });

  test('as system:node:n1 (NodeRestriction): its own labels, Lease and mirror pods only', async () => {
    const as = (a: string[], stdin?: string) => kubectl(nodeKubeconfig, a, stdin);
    const mine = await as(['label', 'node', 'n1', 'example.com/rack=r1']);
    assert.equal(mine.code, 0, mine.stderr);
    const reserved = await as(['label', 'node', 'n1', 'node-restriction.kubernetes.io/pool=a']);
    assert.match(
      reserved.stderr,
      /nodes "n1" is forbidden: is not allowed to modify labels: node-restriction\.kubernetes\.io\/pool/,
    );
    const taint = await as(['taint', 'node', 'n1', 'evil=yes:NoSchedule']);
    assert.match(taint.stderr, /nodes "n1" is forbidden: node "n1" is not allowed to modify taints/);
    const other = await call(
      replica.url,
      'PATCH',
      '/api/v1/nodes/n2',
      { cert: nodeCert },
      { metadata: {} },
      'application/merge-patch+json',
    );
    assert.equal(other.status, 403, other.body);
    assert.equal(other.json().message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    const lease = (name: string) =>
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: name, leaseDurationSeconds: 40 },
      });
    const own = await as(['create', '-f', '-'], lease('n1'));
    assert.equal(own.code, 0, own.stderr);
    const theirs = await as(['create', '-f', '-'], lease('n2'));
    assert.match(
      theirs.stderr,
      /leases\.coordination\.k8s\.io "n2" is forbidden: can only access node lease with the same name as the requesting node/,
    );
    const uid = (await ok(['get', 'node', 'n1', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const pod = (annotations: Json) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'static-n1',
          namespace: 'default',
          annotations,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid, controller: true }],
        },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
      });
    const plain = await as(['create', '-f', '-'], pod({}));
    assert.match(
      plain.stderr,
      /pods "static-n1" is forbidden: pod does not have "kubernetes\.io\/config\.mirror" annotation, node "n1" can only create mirror pods/,
    );
    const mirror = await as(['create', '-f', '-'], pod({ 'kubernetes.io/config.mirror': 'h' }));
    assert.equal(mirror.code, 0, mirror.stderr);
    assert.equal(await ok(['get', 'pod', 'static-n1', '-o', 'jsonpath={.spec.nodeName}']), 'n1');
    const gone = await call(replica.url, 'DELETE', '/api/v1/namespaces/default/pods/static-n1', { cert: nodeCert });
    assert.equal(gone.status, 200, gone.body);
  });

  test('as system:node:n1: secrets, configmaps and pods only through the pods bound to it (the node graph)', async () => {
    const get = (p: string) => call(replica.url, 'GET', p, { cert: nodeCert });
    await ok(['create', 'namespace', 'graph']);
    await ok(['create', 'secret', 'generic', 'used', '-n', 'graph', '--from-literal=a=b']);
    await ok(['create', 'secret', 'generic', 'unused', '-n', 'graph', '--from-literal=a=b']);
    await ok(['create', 'configmap', 'env', '-n', 'graph', '--from-literal=a=b']);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'graph' },
      spec: {
        nodeName: 'n1',
        volumes: [{ name: 's', secret: { secretName: 'used' } }],
        containers: [{ name: 'c', image: 'nginx', envFrom: [{ configMapRef: { name: 'env' } }] }],
      },
    };
    await ok(['create', '-f', '-'], JSON.stringify(pod));
    const until = async (p: string, status: number): Promise<void> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const r = await get(p);
        if (r.status === status || Date.now() > deadline) return assert.equal(r.status, status, `${p}: ${r.body}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    await until('/api/v1/namespaces/graph/secrets/used', 200);
    await until('/api/v1/namespaces/graph/configmaps/env', 200);
    await until('/api/v1/namespaces/graph/pods/p', 200);
    const unused = await get('/api/v1/namespaces/graph/secrets/unused');
    assert.equal(unused.status, 403);
    assert.match(String(unused.json().message), /no relationship found between node 'n1' and this object/);
    // the edge goes with the pod
    await ok(['delete', 'pod', 'p', '-n', 'graph', '--grace-period=0', '--force']);
    await until('/api/v1/namespaces/graph/secrets/used', 403);
  });

  test('a token bound to a Node works while the node exists and is refused after its deletion', async () => {
    await ok(['create', 'serviceaccount', 'agent']);
    await ok(['create', '-f', '-'], NODE('n3'));
    const token = (
      await ok(['create', 'token', 'agent', '--bound-object-kind', 'Node', '--bound-object-name', 'n3'])
    ).trim();
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    const before = await call(
      replica.url,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { token },
      review,
    );
    assert.equal(before.status, 201, before.body);
    const user = (before.json().status as Json).userInfo as Json;
    assert.equal(user.username, 'system:serviceaccount:default:agent');
    assert.deepEqual((user.extra as Json)['authentication.kubernetes.io/node-name'], ['n3']);
    await ok(['delete', 'node', 'n3']);
    // successful token authentications are cached for 10 s, as upstream's are
    let status = 0;
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      status = (await call(replica.url, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token }, review))
        .status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(status, 401);
  });

  test('as an attacker: bad nodes and writes to componentstatuses get upstream Status errors', async () => {
    const pki = path.join(replica.dataDir, 'pki');
    const ca = {
      certPem: readFileSync(path.join(pki, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(path.join(pki, 'ca.key'), 'utf8'),
    };
    const admin = {
      cert: issueLeaf(ca, { subject: { commonName: 'root', organizations: ['system:masters'] }, usage: 'clientAuth' }),
    };
    const badTaint = await call(replica.url, 'POST', '/api/v1/nodes', admin, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'evil' },
      spec: {
        taints: [
          { key: 'k', effect: 'NoSchedule' },
          { key: 'k', effect: 'NoSchedule' },
        ],
      },
    });
    assert.equal(badTaint.status, 422, badTaint.body);
    const st = badTaint.json();
    assert.equal(st.reason, 'Invalid');
    const causes = (st.details as { causes: Json[] }).causes;
    assert.deepEqual(
      causes.map((c) => [c.reason, c.field]),
      [['FieldValueDuplicate', 'metadata.taints[1]']],
    );
    const badName = await call(replica.url, 'POST', '/api/v1/nodes', admin, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'Evil_Node' },
    });
    assert.equal(badName.status, 422, badName.body);
    const notObject = await call(replica.url, 'PUT', '/api/v1/nodes/n1/status', admin, [1, 2, 3]);
    assert.equal(notObject.status, 400, notObject.body);
    assert.equal(notObject.json().kind, 'Status');
    const badSelector = await call(replica.url, 'GET', '/api/v1/nodes?fieldSelector=spec.unschedulable', admin);
    assert.equal(badSelector.status, 400, badSelector.body);
    assert.equal(badSelector.json().reason, 'BadRequest');
    for (const [method, p] of [
      ['POST', '/api/v1/componentstatuses'],
      ['GET', '/api/v1/componentstatuses?watch=true'],
      ['DELETE', '/api/v1/componentstatuses/etcd-0'],
    ] as const) {
      const r = await call(
        replica.url,
        method,
        p,
        admin,
        method === 'POST' ? { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'x' } } : undefined,
      );
      assert.equal(r.status, 405, `${method} ${p}: ${r.body}`);
      assert.equal(r.json().reason, 'MethodNotAllowed');
    }
  });

  test('the system priority classes exist, cannot be deleted one by one, and come back after a restart', async () => {
    const pcs = await ok(['get', 'pc']);
    assert.match(pcs, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
    assert.match(pcs, /\nsystem-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority\n/);
    assert.match(pcs, /\nsystem-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority\n/);
    const del = await kubectl(replica.kubeconfig, ['delete', 'pc', 'system-node-critical']);
    assert.match(
      del.stderr,
      /priorityclasses\.scheduling\.k8s\.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted/,
    );
    // kubectl delete --all deletes one by one, so it is refused too
    assert.match((await kubectl(replica.kubeconfig, ['delete', 'pc', '--all'])).stderr, /cannot be deleted/);
    // a collection DELETE goes around that check, as upstream's generic store does
    await ok(['delete', '--raw', '/apis/scheduling.k8s.io/v1/priorityclasses']);
    assert.equal(await ok(['get', 'pc', '-o', 'name']), '');
    await replica.stop();
    replica = await startReplicaProcess({ dataDir: replica.dataDir, args: args() });
    assert.equal(
      await ok(['get', 'pc', '-o', 'name']),
      'priorityclass.scheduling.k8s.io/system-cluster-critical\npriorityclass.scheduling.k8s.io/system-node-critical\n',
    );
  });
});
