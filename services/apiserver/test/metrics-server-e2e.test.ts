import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createCa, issueLeaf } from '../src/certs/issue';
import { nodeBaseUsage } from '../../metrics-server/src/figures';
import { loadKubeconfig } from '../../metrics-server/src/kube-client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { createNetns, type TestNetns } from './helpers/netns';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const SAMPLE = path.join(REPO_ROOT, 'dist/services/metrics-server/src/metrics-server.js');
const PORT = 10250;
const TOKEN = 'metrics-server-token';
const READER_TOKEN = 'reader-token';
const GROUP = 'metrics.k8s.io';
const APISERVICE = 'v1beta1.metrics.k8s.io';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last !== undefined) return last as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The metrics-server manifests' RBAC, for a token user instead of its ServiceAccount. */
const RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:metrics-server"}
rules:
- apiGroups: [""]
  resources: [nodes, pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:metrics-server"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-server"}
subjects: [{kind: User, name: metrics-server}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "metrics-server:system:auth-delegator"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:auth-delegator"}
subjects: [{kind: User, name: metrics-server}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:aggregated-metrics-reader"}
rules:
- apiGroups: [metrics.k8s.io]
  resources: [nodes, pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:aggregated-metrics-reader"}
subjects: [{kind: User, name: reader}]
`;

function node(name: string, cpu: string, memory: string, labels: Record<string, string>): string {
  return `apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
status:
  capacity: {cpu: "${cpu}", memory: "${memory}", pods: "110"}
  allocatable: {cpu: "${cpu}", memory: "${memory}", pods: "110"}
`;
}

/** web requests everything; its sidecar requests nothing, so its figures come from the name hash. */
const PODS = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  nodeName: node-a
  containers:
  - name: main
    image: nginx
    resources: {requests: {cpu: 250m, memory: 64Mi}}
  - name: helper
    image: busybox
    resources: {requests: {cpu: 50m, memory: 32Mi}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: team, labels: {app: db}}
spec:
  nodeName: node-b
  containers:
  - name: postgres
    image: postgres
    resources: {requests: {cpu: "1", memory: 512Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: team}
spec:
  containers:
  - {name: c, image: busybox, resources: {requests: {cpu: 100m, memory: 1Gi}}}
`;

function apiServiceYaml(caPem: string): string {
  return `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${APISERVICE}}
spec:
  group: ${GROUP}
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  service: {namespace: kube-system, name: metrics-server, port: 443}
  caBundle: ${Buffer.from(caPem).toString('base64')}
`;
}

function serviceYaml(address: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system}
spec:
  ports: [{name: https, port: 443, protocol: TCP, targetPort: ${PORT}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: metrics-server-x1
  namespace: kube-system
  labels: {kubernetes.io/service-name: metrics-server}
addressType: IPv4
endpoints: [{addresses: ["${address}"], conditions: {ready: true}}]
ports: [{name: https, port: ${PORT}, protocol: TCP}]
`;
}

function availability(kc: string): Promise<string> {
  return kubectlOk(kc, ['get', 'apiservice', APISERVICE]);
}

/** A GET straight to the sample server (not through kapi), with a bearer token. */
function direct(
  ns: TestNetns,
  caPem: string,
  pathAndQuery: string,
  token: string,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: ns.address,
          port: PORT,
          path: pathAndQuery,
          ca: caPem,
          servername: 'metrics-server.kube-system.svc',
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        },
      )
      .on('error', reject);
  });
}

/** kapi's aggregated discovery (kubectl get --raw cannot set Accept), as the admin. */
function aggregatedGroups(kc: string): Promise<string[]> {
  const conn = loadKubeconfig(kc);
  const url = new URL(conn.server);
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: url.hostname,
          port: url.port,
          path: '/apis',
          ca: conn.caPem,
          cert: conn.certPem,
          key: conn.keyPem,
          headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            try {
              const list = JSON.parse(body) as { kind: string; items: Array<{ metadata: { name: string } }> };
              assert.equal(list.kind, 'APIGroupDiscoveryList');
              resolve(list.items.map((i) => i.metadata.name));
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      )
      .on('error', reject);
  });
}

function mi(bytes: bigint): string {
  return `${bytes / (1024n * 1024n)}Mi`;
}

function milli(nanocores: bigint): string {
  return `${nanocores / 1_000_000n}m`;
}

describe('the sample metrics.k8s.io server behind kapi (real replica, real kubectl, a network namespace)', () => {
  let ns: TestNetns;
  let replica: ReplicaProcess;
  let kc: string;
  let dir: string;
  let servingCaPem: string;
  let sample: ChildProcess | undefined;
  let sampleOut = '';

  before(async () => {
    ns = createNetns();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-metrics-'));
    const frontProxyCa = createCa('front-proxy-ca');
    const proxyClient = issueLeaf(frontProxyCa, { subject: { commonName: 'front-proxy-client' }, usage: 'clientAuth' });
    const servingCa = createCa('metrics-server-ca');
    servingCaPem = servingCa.certPem;
    const serving = issueLeaf(servingCa, {
      subject: { commonName: 'metrics-server' },
      usage: 'serverAuth',
      sans: [{ kind: 'dns', value: 'metrics-server.kube-system.svc' }],
    });
    const files: Record<string, string> = {
      'front-proxy-ca.crt': frontProxyCa.certPem,
      'proxy.crt': proxyClient.certPem,
      'proxy.key': proxyClient.keyPem,
      'serving.crt': serving.certPem,
      'serving.key': serving.keyPem,
      'tokens.csv': `${TOKEN},metrics-server,uid-ms\n${READER_TOKEN},reader,uid-reader\n`,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    replica = await startReplicaProcess({
      args: [
        // the sample server reaches kapi from inside the namespace, over the veth
        `--bind-address=${ns.hostAddress}`,
        `--proxy-client-cert-file=${path.join(dir, 'proxy.crt')}`,
        `--proxy-client-key-file=${path.join(dir, 'proxy.key')}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      ],
    });
    kc = replica.kubeconfig;
    const admin = parseYaml(readFileSync(kc, 'utf8')) as {
      clusters: Array<{ cluster: Record<string, string> }>;
    };
    writeFileSync(
      path.join(dir, 'metrics-server.kubeconfig'),
      `apiVersion: v1
kind: Config
clusters: [{name: kapi, cluster: {server: "${replica.url}", certificate-authority-data: ${admin.clusters[0].cluster['certificate-authority-data']}}}]
users: [{name: metrics-server, user: {token: ${TOKEN}}}]
contexts: [{name: kapi, context: {cluster: kapi, user: metrics-server}}]
current-context: kapi
`,
    );
    // one apply for the RBAC, the nodes and the pods; the pods' status next, both at once
    await kubectlOk(
      kc,
      ['apply', '-f', '-'],
      [RBAC, node('node-a', '4', '8Gi', { pool: 'blue' }), node('node-b', '2', '4Gi', { pool: 'green' }), PODS].join(
        '---\n',
      ),
    );
    await Promise.all(
      [
        ['default', 'web'],
        ['team', 'db'],
      ].map(([namespace, pod]) =>
        kubectlOk(kc, [
          'patch',
          'pod',
          pod,
          '-n',
          namespace,
          '--subresource=status',
          '--type=merge',
          '-p',
          '{"status":{"phase":"Running"}}',
        ]),
      ),
    );
  });

  after(async () => {
    try {
      if (sample?.pid && sample.exitCode === null && sample.signalCode === null) process.kill(sample.pid, 'SIGKILL');
      await replica?.cleanup();
    } finally {
      ns?.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes Available, serves kubectl top, authorizes by delegation, and leaves discovery when it dies', async () => {
    sample = ns.spawn(
      process.execPath,
      [
        SAMPLE,
        `--kubeconfig=${path.join(dir, 'metrics-server.kubeconfig')}`,
        `--bind-address=${ns.address}`,
        `--secure-port=${PORT}`,
        `--tls-cert-file=${path.join(dir, 'serving.crt')}`,
        `--tls-private-key-file=${path.join(dir, 'serving.key')}`,
        `--requestheader-client-ca-file=${path.join(dir, 'front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    sample.stdout?.on('data', (d: Buffer) => (sampleOut += d.toString()));
    sample.stderr?.on('data', (d: Buffer) => (sampleOut += d.toString()));
    await until('the sample server to listen', async () => (sampleOut.includes('serving') ? true : undefined), 20_000);

    await kubectlOk(kc, ['apply', '-f', '-'], apiServiceYaml(servingCaPem));
    await until('ServiceNotFound', async () =>
      /kube-system\/metrics-server\s+False \(ServiceNotFound\)/.test(await availability(kc)) ? true : undefined,
    );

    await kubectlOk(kc, ['apply', '-f', '-'], serviceYaml(ns.address));
    await until('Available', async () =>
      /kube-system\/metrics-server\s+True\s/.test(await availability(kc)) ? true : undefined,
    );

    // web: 250m+50m, 64Mi+32Mi on node-a; db: 1 core, 512Mi on node-b; the pending pod has no metrics
    const top = await until('kubectl top pods', async () => {
      const r = await kubectl(kc, ['top', 'pods', '-A']);
      return r.code === 0 ? r.stdout : undefined;
    });
    const podRows = top
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.match(podRows[0], /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    assert.deepEqual(
      podRows.slice(1).map((l) => l.trim().split(/\s+/)),
      [
        ['default', 'web', '300m', '96Mi'],
        ['team', 'db', '1000m', '512Mi'],
      ],
    );
    // the rest reads only: all at once
    const [selected, nodesOut, green, tableOut, webRaw, missing, post, denied, asReader] = await Promise.all([
      kubectlOk(kc, ['top', 'pods', '-n', 'team', '-l', 'app=db', '--no-headers']),
      kubectlOk(kc, ['top', 'nodes', '--no-headers']),
      kubectlOk(kc, ['top', 'nodes', '-l', 'pool=green', '--no-headers']),
      kubectlOk(kc, ['get', `pods.${GROUP}`, '-n', 'default']),
      kubectlOk(kc, ['get', '--raw', `/apis/${GROUP}/v1beta1/namespaces/default/pods/web`]),
      kubectl(kc, ['get', '--raw', `/apis/${GROUP}/v1beta1/namespaces/team/pods/pending`]),
      kubectl(kc, ['create', '--raw', `/apis/${GROUP}/v1beta1/nodes`, '-f', '-'], '{}'),
      // authorization is the sample server's SubjectAccessReview to kapi, for the user kapi names in X-Remote-User
      kubectl(kc, ['get', '--raw', `/apis/${GROUP}/v1beta1/nodes`, '--as=nobody']),
      kubectlOk(kc, ['get', '--raw', `/apis/${GROUP}/v1beta1/nodes`, '--as=reader']),
    ]);
    assert.deepEqual(selected.trim().split(/\s+/), ['db', '1000m', '512Mi']);

    const a = nodeBaseUsage('node-a');
    const b = nodeBaseUsage('node-b');
    const aCpu = a.cpu + 300_000_000n;
    const aMem = a.memory + 96n * 1024n * 1024n;
    const bCpu = b.cpu + 1_000_000_000n;
    const bMem = b.memory + 512n * 1024n * 1024n;
    const pct = (used: bigint, of: bigint): string => `${(used * 100n) / of}%`;
    assert.deepEqual(
      nodesOut
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)),
      [
        ['node-a', milli(aCpu), pct(aCpu, 4_000_000_000n), mi(aMem), pct(aMem, 8n << 30n)],
        ['node-b', milli(bCpu), pct(bCpu, 2_000_000_000n), mi(bMem), pct(bMem, 4n << 30n)],
      ],
    );
    assert.equal(green.trim().split(/\s+/)[0], 'node-b');
    assert.equal(green.trim().split('\n').length, 1);

    // kubectl get asks for metrics-server's Table: usage summed over the containers, and the window
    const table = tableOut.trim().split('\n');
    assert.match(table[0], /^NAME\s+CPU\s+MEMORY\s+WINDOW$/);
    assert.deepEqual(
      table.slice(1).map((l) => l.trim().split(/\s+/)),
      [['web', '300m', '96Mi', '15s']],
    );

    // the objects themselves, as metrics-server shapes them
    const pm = JSON.parse(webRaw) as Record<string, unknown>;
    assert.equal(pm.kind, 'PodMetrics');
    assert.equal(pm.window, '15s');
    assert.match(String(pm.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(pm.containers, [
      { name: 'main', usage: { cpu: '250m', memory: '64Mi' } },
      { name: 'helper', usage: { cpu: '50m', memory: '32Mi' } },
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\(NotFound\)/);
    assert.match(post.stderr, /\(MethodNotAllowed\): the server does not allow this method on the requested resource/);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /User "nobody" cannot list resource "nodes" in API group "metrics\.k8s\.io"/);
    assert.equal((JSON.parse(asReader) as { items: unknown[] }).items.length, 2);

    // a direct caller's bearer token goes through TokenReview
    const ok = await direct(ns, servingCaPem, `/apis/${GROUP}/v1beta1/namespaces/team/pods`, READER_TOKEN);
    assert.equal(ok.code, 200, ok.body);
    assert.deepEqual(
      (JSON.parse(ok.body) as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name),
      ['db'],
    );
    const bad = await direct(ns, servingCaPem, `/apis/${GROUP}/v1beta1/nodes`, 'not-a-token');
    assert.equal(bad.code, 401);
    assert.equal((JSON.parse(bad.body) as { reason: string }).reason, 'Unauthorized');
    const forbidden = await direct(ns, servingCaPem, `/apis/${GROUP}/v1beta1/nodes`, TOKEN);
    assert.equal(forbidden.code, 403);

    // both discovery forms list the group while it is available, last: its groupPriorityMinimum (100) is the lowest
    const groups = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/apis'])) as { groups: Array<{ name: string }> };
    assert.equal(groups.groups[groups.groups.length - 1].name, GROUP);
    const aggregatedNow = await aggregatedGroups(kc);
    assert.equal(aggregatedNow[aggregatedNow.length - 1], GROUP);
    assert.deepEqual(
      (await kubectlOk(kc, ['api-resources', `--api-group=${GROUP}`, '-o', 'name'])).trim().split('\n').sort(),
      [`nodes.${GROUP}`, `pods.${GROUP}`],
    );

    // kapi's OpenAPI documents carry the remote group's, as kube-aggregator's do
    const v3Path = `apis/${GROUP}/v1beta1`;
    const v3Url = await until('the group in /openapi/v3', async () => {
      const index = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/openapi/v3'])) as {
        paths: Record<string, { serverRelativeURL: string }>;
      };
      return index.paths[v3Path]?.serverRelativeURL;
    });
    assert.ok(v3Url.startsWith(`/openapi/v3/${v3Path}?hash=`), v3Url);
    const [v3Text, v2Text, explain, explainField] = await Promise.all([
      kubectlOk(kc, ['get', '--raw', v3Url]),
      kubectlOk(kc, ['get', '--raw', '/openapi/v2']),
      kubectlOk(kc, ['explain', 'nodemetrics']),
      kubectlOk(kc, ['explain', 'podmetrics.containers']),
    ]);
    const v3 = JSON.parse(v3Text) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { description?: string }> };
    };
    assert.ok(v3.paths[`/apis/${GROUP}/v1beta1/namespaces/{namespace}/pods/{name}`]);
    assert.match(
      v3.components.schemas['io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics'].description ?? '',
      /resource usage metrics of a node/,
    );
    const v2 = JSON.parse(v2Text) as {
      paths: Record<string, unknown>;
      definitions: Record<string, unknown>;
    };
    assert.ok(v2.paths[`/apis/${GROUP}/v1beta1/nodes`]);
    assert.ok(v2.paths['/api/v1/pods'], "kapi's own paths stay");
    assert.ok(v2.definitions['io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics']);
    assert.ok(!Object.keys(v2.definitions).some((d) => d.endsWith('_v2')), 'shared meta definitions are not renamed');
    assert.match(explain, /KIND:\s+NodeMetrics/);
    assert.match(explain, /GROUP:\s+metrics\.k8s\.io\nKIND:\s+NodeMetrics\nVERSION:\s+v1beta1/);
    assert.match(explain, /usage\s+<map\[string\]Quantity> -required-/);
    assert.match(explainField, /FIELD:\s+containers <\[\]ContainerMetrics>/);

    const pid = sample.pid as number;
    process.kill(pid, 'SIGKILL');
    const started = Date.now();
    await until('FailedDiscoveryCheck', async () =>
      /kube-system\/metrics-server\s+False \(FailedDiscoveryCheck\)/.test(await availability(kc)) ? true : undefined,
    );
    assert.ok(Date.now() - started < 30_000);
    await until('the group to leave /apis', async () => {
      const list = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/apis'])) as { groups: Array<{ name: string }> };
      return list.groups.some((g) => g.name === GROUP) ? undefined : true;
    });
    await until('the group to leave /openapi/v3', async () => {
      const index = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/openapi/v3'])) as {
        paths: Record<string, unknown>;
      };
      return index.paths[v3Path] ? undefined : true;
    });
    assert.ok(!(await aggregatedGroups(kc)).includes(GROUP));
    const gone = await kubectl(kc, ['top', 'nodes']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /error: Metrics API not available/);
    // kubectl api-resources reads the aggregated form
    assert.equal((await kubectlOk(kc, ['api-resources', `--api-group=${GROUP}`, '-o', 'name'])).trim(), '');
  });
});
