import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, issueLeaf } from '../src/certs/issue';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { createNetns, type TestNetns } from './helpers/netns';
import { startNetnsServer } from './helpers/netns-server';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { websocketEcho } from './helpers/websocket';

const NS = 'proxy-e2e';
const HTTP_PORT = 8080;
const HTTPS_PORT = 8443;

interface Echo {
  scheme: string;
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

function manifests(ip: string): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: Pod
metadata: {name: backend, namespace: ${NS}}
spec:
  containers: [{name: c, image: echo, ports: [{containerPort: ${HTTP_PORT}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: ${NS}}
spec:
  ports:
  - {name: http, port: 80, targetPort: ${HTTP_PORT}}
  - {name: https, port: 443, targetPort: ${HTTPS_PORT}}
  - {name: dead, port: 81, targetPort: 9999}
---
apiVersion: v1
kind: Endpoints
metadata: {name: echo, namespace: ${NS}}
subsets:
- addresses: [{ip: '${ip}', targetRef: {kind: Pod, namespace: ${NS}, name: backend}}]
  ports: [{name: http, port: ${HTTP_PORT}}, {name: https, port: ${HTTPS_PORT}}, {name: dead, port: 9999}]
---
apiVersion: v1
kind: Node
metadata: {name: worker}
---
apiVersion: v1
kind: Node
metadata: {name: loopnode}
---
apiVersion: v1
kind: Pod
metadata: {name: loop, namespace: ${NS}}
spec:
  containers: [{name: c, image: echo}]
---
apiVersion: v1
kind: Pod
metadata: {name: metadata, namespace: ${NS}}
spec:
  containers: [{name: c, image: echo}]
`;
}

async function setStatus(kc: string, kind: string, name: string, status: object, namespace = NS): Promise<void> {
  const nsArgs = kind === 'node' ? [] : ['-n', namespace];
  await kubectlOk(kc, [
    'patch',
    kind,
    name,
    ...nsArgs,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

async function echoOf(kc: string, rawPath: string): Promise<Echo> {
  return JSON.parse(await kubectlOk(kc, ['get', '--raw', rawPath])) as Echo;
}

describe('services/proxy, pods/proxy and nodes/proxy (real kubectl, backends in a network namespace)', () => {
  let ns: TestNetns;
  let replica: ReplicaProcess;
  let kc: string;
  let dir: string;
  let api: ApiClient;
  const svc = (id: string, rest: string): string => `/api/v1/namespaces/${NS}/services/${id}/proxy${rest}`;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-proxy-'));
    const ca = createCa('proxy-test-ca');
    const serving = issueLeaf(ca, { subject: { commonName: 'echo' }, usage: 'serverAuth', sans: [] });
    writeFileSync(path.join(dir, 'tls.crt'), serving.certPem);
    writeFileSync(path.join(dir, 'tls.key'), serving.keyPem);
    ns = createNetns();
    const tlsFiles = [path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')];
    await Promise.all([
      startNetnsServer(ns, 'netns-echo-server.js', ['http', ns.address, String(HTTP_PORT)]),
      startNetnsServer(ns, 'netns-echo-server.js', ['https', ns.address, String(HTTPS_PORT), ...tlsFiles]),
    ]);
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
    api = new ApiClient(kc);
    await kubectlOk(kc, ['apply', '-f', '-'], manifests(ns.address));
    await setStatus(kc, 'pod', 'backend', { podIP: ns.address, podIPs: [{ ip: ns.address }] });
    await setStatus(kc, 'pod', 'loop', { podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] });
    await setStatus(kc, 'pod', 'metadata', { podIP: '169.254.169.254', podIPs: [{ ip: '169.254.169.254' }] });
    await setStatus(kc, 'node', 'worker', {
      addresses: [{ type: 'InternalIP', address: ns.address }],
      daemonEndpoints: { kubeletEndpoint: { Port: HTTPS_PORT } },
    });
    await setStatus(kc, 'node', 'loopnode', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] });
  });
  after(async () => {
    await replica?.cleanup();
    ns?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('services/proxy forwards path, query, method and body to a ready endpoint, by port number or name', async () => {
    const got = await echoOf(kc, svc('echo:80', '/some/path?x=1&y=two%20words'));
    assert.equal(got.scheme, 'http');
    assert.equal(got.method, 'GET');
    // kubectl re-encodes the query it was given; kapi passes on what it received
    assert.equal(got.url, '/some/path?x=1&y=two+words');
    const raw = await api.request('GET', svc('echo:80', '/raw?b=%20&a=1'));
    assert.equal(raw.json<Echo>().url, '/raw?b=%20&a=1');
    assert.equal(got.headers['x-forwarded-uri'], `/api/v1/namespaces/${NS}/services/echo:80/proxy/some/path`);
    assert.ok(got.headers['x-forwarded-for'], JSON.stringify(got.headers));
    assert.equal(got.headers.authorization, undefined);
    // the backend sees the Host the client sent to kapi, as upstream's proxy keeps it
    assert.equal(got.headers.host, new URL(api.server).host);
    assert.equal((await echoOf(kc, svc('echo:http', '/by-name/'))).url, '/by-name/');

    const posted = JSON.parse(
      await kubectlOk(kc, ['create', '--raw', svc('echo:80', '/things'), '-f', '-'], '{"a":1}'),
    ) as Echo;
    assert.equal(posted.method, 'POST');
    assert.equal(posted.body, '{"a":1}');
    const put = JSON.parse(
      await kubectlOk(kc, ['replace', '--raw', svc('echo:80', '/things/1'), '-f', '-'], '{}'),
    ) as Echo;
    assert.equal(put.method, 'PUT');
    const deleted = JSON.parse(await kubectlOk(kc, ['delete', '--raw', svc('echo:80', '/things/1')])) as Echo;
    assert.equal(deleted.method, 'DELETE');
    const patched = await api.request('PATCH', svc('echo:80', '/things/1'), '{"b":2}', {
      'content-type': 'application/merge-patch+json',
    });
    assert.equal(patched.json<Echo>().method, 'PATCH');
    assert.equal(patched.json<Echo>().headers['content-type'], 'application/merge-patch+json');
    assert.equal((await api.request('OPTIONS', svc('echo:80', '/opt'))).json<Echo>().method, 'OPTIONS');
    const head = await api.request('HEAD', svc('echo:80', '/head'));
    assert.equal(head.status, 200);
    assert.equal(head.headers['x-backend'], 'echo');
    assert.equal(head.body.length, 0);

    // the https scheme: the backend's certificate (from a test CA) is not checked, as upstream's proxy transport
    const secure = await echoOf(kc, svc('https:echo:443', '/tls'));
    assert.equal(secure.scheme, 'https');
    assert.equal(secure.url, '/tls');
  });

  it('rewrites redirects, sends a slashless root to the slashed one, and reports unreachable ports as upstream', async () => {
    const redirect = await api.request('GET', svc('echo:80', '/redirect'));
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, `/api/v1/namespaces/${NS}/services/echo:80/proxy/landed?from=redirect`);
    assert.equal(redirect.headers['access-control-allow-origin'], undefined);

    // an HTML page's absolute links stay under the proxy path; relative ones and script text are left alone
    const page = await api.request('GET', svc('echo:80', '/page'));
    assert.equal(
      page.body.toString(),
      `<html><body><a href="${svc('echo:80', '/docs/')}">docs</a> <img src='logo.png'><script>let s = "<a href=/no>";</script></body></html>`,
    );

    const root = await api.request('GET', `${svc('echo:80', '')}?q=1`);
    assert.equal(root.status, 301);
    assert.equal(root.headers.location, `${svc('echo:80', '')}/?q=1`);

    const noPort = await api.request('GET', svc('echo:82', '/'));
    assert.equal(noPort.status, 503);
    assert.equal(noPort.json().message, 'no service port 82 found for service "echo"');
    const refused = await api.request('GET', svc('echo:81', '/'));
    assert.equal(refused.status, 503);
    assert.equal(refused.json().reason, 'ServiceUnavailable');
    assert.equal(
      refused.json().message,
      `error trying to reach service: dial tcp ${ns.address}:9999: connect: connection refused`,
    );
    const missing = await api.request('GET', svc('nosuch:80', '/'));
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'services "nosuch" not found');
    const bad = await api.request('GET', svc('ftp:echo:80', '/'));
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, 'invalid service request "ftp:echo:80"');
  });

  it('pods/proxy goes to the pod IP and nodes/proxy to the kubelet port over https', async () => {
    const pod = await echoOf(kc, `/api/v1/namespaces/${NS}/pods/backend/proxy/healthz?full=1`);
    assert.equal(pod.scheme, 'http');
    assert.equal(pod.url, '/healthz?full=1');
    assert.equal(pod.headers['x-forwarded-uri'], `/api/v1/namespaces/${NS}/pods/backend/proxy/healthz`);
    assert.equal(
      (await echoOf(kc, `/api/v1/namespaces/${NS}/pods/https:backend:${HTTPS_PORT}/proxy/`)).scheme,
      'https',
    );

    const kubelet = await echoOf(kc, '/api/v1/nodes/worker/proxy/stats/summary');
    assert.equal(kubelet.scheme, 'https');
    assert.equal(kubelet.url, '/stats/summary');
    const other = await echoOf(kc, `/api/v1/nodes/worker:${HTTP_PORT}/proxy/metrics`);
    assert.equal(other.scheme, 'http');
    assert.equal(other.url, '/metrics');
  });

  it('refuses loopback and link-local targets with 400 address not allowed', async () => {
    for (const p of [
      `/api/v1/namespaces/${NS}/pods/loop:8080/proxy/`,
      `/api/v1/namespaces/${NS}/pods/metadata:80/proxy/latest/meta-data`,
      '/api/v1/nodes/loopnode/proxy/',
    ]) {
      const r = await api.request('GET', p);
      assert.equal(r.status, 400, p);
      assert.equal(r.json().reason, 'BadRequest');
      assert.equal(r.json().message, 'address not allowed');
    }
    const r = await kubectl(kc, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/loop:8080/proxy/`]);
    assert.match(r.stderr, /Error from server \(BadRequest\): address not allowed/);
  });

  it('passes a WebSocket upgrade through services/proxy', async () => {
    const { head, reply } = await websocketEcho(kc, svc('echo:80', '/ws'), 'hello');
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
    assert.equal(reply, 'echo: hello (/ws)');
    // a backend that cannot be dialed: upstream's upgrade error, a Status without a reason, on the same connection
    const dead = await websocketEcho(kc, svc('echo:81', '/ws'), 'hello');
    assert.match(dead.head, /^HTTP\/1\.1 500 /);
    const status = JSON.parse(dead.reply) as { code: number; message: string; reason?: string };
    assert.equal(status.code, 500);
    assert.equal(status.reason, undefined);
    assert.equal(status.message, `error dialing backend: dial tcp ${ns.address}:9999: connect: connection refused`);
  });

  it('is authorized as get/create on services/proxy: a user without it gets 403', async () => {
    const r = await kubectl(kc, ['--as=jane', 'get', '--raw', svc('echo:80', '/x')]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /services "echo:80" is forbidden: User "jane" cannot get resource "services\/proxy" in API group "" in the namespace "proxy-e2e"/,
    );
    await kubectlOk(kc, ['create', 'role', 'proxier', '-n', NS, '--verb=get', '--resource=services/proxy']);
    await kubectlOk(kc, ['create', 'rolebinding', 'proxier', '-n', NS, '--role=proxier', '--user=jane']);
    const allowed = JSON.parse(await kubectlOk(kc, ['--as=jane', 'get', '--raw', svc('echo:80', '/x')])) as Echo;
    assert.equal(allowed.url, '/x');
    const post = await kubectl(kc, ['--as=jane', 'create', '--raw', svc('echo:80', '/x'), '-f', '-'], '{}');
    assert.match(post.stderr, /cannot create resource "services\/proxy"/);
  });
});
