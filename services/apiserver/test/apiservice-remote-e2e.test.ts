import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, issueLeaf } from '../src/certs/issue';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { createNetns, type TestNetns } from './helpers/netns';
import { startNetnsServer, type NetnsServer } from './helpers/netns-server';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { websocketEcho } from './helpers/websocket';

const GROUP = 'sample.example.com';
const SERVICE = 'sample-api';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    last = await fn().catch((e: unknown) => String(e));
    if (last !== undefined && !(typeof last === 'string' && last.startsWith('Error'))) return last as T;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Seen {
  user?: string;
  groups?: string[];
  clientCN?: string;
  authorization?: string;
}

function available(kc: string): Promise<string> {
  return kubectlOk(kc, [
    'get',
    'apiservice',
    `v1.${GROUP}`,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.conditions[?(@.type=="Available")].reason}',
  ]);
}

const SAMPLE_PORT = 8443;

describe('remote APIServices (real kubectl, an HTTPS aggregated server in a network namespace)', () => {
  let ns: TestNetns;
  let replica: ReplicaProcess;
  let server: NetnsServer;
  let kc: string;
  let dir: string;
  let caPem: string;
  const seen = (): Seen[] => server.lines.map((l) => JSON.parse(l) as Seen);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-aggr-'));
    const ca = createCa('sample-ca');
    caPem = ca.certPem;
    const serving = issueLeaf(ca, {
      subject: { commonName: SERVICE },
      usage: 'serverAuth',
      sans: [{ kind: 'dns', value: `${SERVICE}.default.svc` }],
    });
    const client = issueLeaf(ca, { subject: { commonName: 'front-proxy-client' }, usage: 'clientAuth' });
    writeFileSync(path.join(dir, 'proxy.crt'), client.certPem);
    writeFileSync(path.join(dir, 'proxy.key'), client.keyPem);
    writeFileSync(path.join(dir, 'serving.crt'), serving.certPem);
    writeFileSync(path.join(dir, 'serving.key'), serving.keyPem);
    ns = createNetns();
    server = await startNetnsServer(ns, 'netns-sample-apiserver.js', [
      ns.address,
      String(SAMPLE_PORT),
      GROUP,
      path.join(dir, 'serving.crt'),
      path.join(dir, 'serving.key'),
    ]);
    replica = await startReplicaProcess({
      args: [
        `--proxy-client-cert-file=${path.join(dir, 'proxy.crt')}`,
        `--proxy-client-key-file=${path.join(dir, 'proxy.key')}`,
      ],
    });
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
    ns?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes Available once its Service has endpoints, proxies as the user, and goes False when the server dies', async () => {
    const apiService = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.${GROUP}}
spec:
  group: ${GROUP}
  version: v1
  groupPriorityMinimum: 1000
  versionPriority: 15
  service: {namespace: default, name: ${SERVICE}, port: 443}
  caBundle: ${Buffer.from(caPem).toString('base64')}
`;
    await kubectlOk(kc, ['apply', '-f', '-'], apiService);
    await until('ServiceNotFound', async () => ((await available(kc)) === 'False ServiceNotFound' ? true : undefined));
    assert.match(
      await kubectlOk(kc, ['get', 'apiservice', `v1.${GROUP}`]),
      new RegExp(`default/${SERVICE}\\s+False \\(ServiceNotFound\\)`),
    );

    const port = SAMPLE_PORT;
    const service = `apiVersion: v1
kind: Service
metadata: {name: ${SERVICE}, namespace: default}
spec:
  ports: [{name: https, port: 443, targetPort: ${port}}]
`;
    await kubectlOk(kc, ['apply', '-f', '-'], service);
    await until('MissingEndpoints', async () =>
      (await available(kc)) === 'False MissingEndpoints' ? true : undefined,
    );

    const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${SERVICE}-x1
  namespace: default
  labels: {kubernetes.io/service-name: ${SERVICE}}
addressType: IPv4
endpoints: [{addresses: ['${ns.address}'], conditions: {ready: true}}]
ports: [{name: https, port: ${port}, protocol: TCP}]
`;
    await kubectlOk(kc, ['apply', '-f', '-'], slice);
    await until('Available True', async () => ((await available(kc)) === 'True Passed' ? true : undefined));
    const discoveryCheck = seen().find((s) => s.user !== undefined);
    assert.equal(discoveryCheck?.clientCN, 'front-proxy-client');

    const got = JSON.parse(
      await kubectlOk(kc, ['get', '--raw', `/apis/${GROUP}/v1/namespaces/default/things/one`]),
    ) as { kind: string; seen: Seen };
    assert.equal(got.kind, 'Thing');
    assert.equal(got.seen.user, 'kubernetes-admin');
    assert.ok(got.seen.groups?.includes('system:masters'), JSON.stringify(got.seen));
    assert.equal(got.seen.clientCN, 'front-proxy-client');
    assert.equal(got.seen.authorization, undefined);

    // the remote group joins /apis and aggregated discovery, so kubectl knows its resources
    await until('the remote group in /apis', async () => {
      const groups = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/apis'])) as { groups: Array<{ name: string }> };
      return groups.groups.some((g) => g.name === GROUP) ? true : undefined;
    });
    const resources = await kubectlOk(kc, ['api-resources', `--api-group=${GROUP}`]);
    assert.match(
      resources,
      new RegExp(`^things\\s+${GROUP.replace(/\./g, '\\.')}/v1\\s+true\\s+Thing`, 'm'),
      resources,
    );

    // an upgrade passes through too, as the user, over the front-proxy connection
    const ws = await websocketEcho(kc, `/apis/${GROUP}/v1/namespaces/default/things/one/stream`, 'hi');
    assert.match(ws.head, /^HTTP\/1\.1 101 /);
    assert.equal(ws.reply, `hi as kubernetes-admin at /apis/${GROUP}/v1/namespaces/default/things/one/stream`);

    // a backend redirect is refused, as --aggregator-reject-forwarding-redirect does by default
    const moved = await new ApiClient(kc).request('GET', `/apis/${GROUP}/v1/namespaces/default/things/moved`);
    assert.equal(moved.status, 502);
    assert.equal(moved.body.toString(), 'the backend attempted to redirect this request, which is not permitted');

    server.kill();
    const down = await until('Available False', async () => {
      const a = await available(kc);
      return a.startsWith('False') ? a : undefined;
    });
    assert.ok(['False FailedDiscoveryCheck', 'False ServiceAccessError'].includes(down), down);
    await until('the remote group to leave /apis', async () => {
      const groups = JSON.parse(await kubectlOk(kc, ['get', '--raw', '/apis'])) as { groups: Array<{ name: string }> };
      return groups.groups.some((g) => g.name === GROUP) ? undefined : true;
    });
    const r = await kubectl(kc, ['get', '--raw', `/apis/${GROUP}/v1/namespaces/default/things/one`]);
    assert.notEqual(r.code, 0);
    // upstream's aggregator answers in plain text, which kubectl reports as the generic 503 message
    assert.match(r.stderr, /\(ServiceUnavailable\): the server is currently unable to handle the request/);
    const raw = await new ApiClient(kc).request('GET', `/apis/${GROUP}/v1/namespaces/default/things/one`);
    assert.equal(raw.status, 503);
    assert.equal(raw.body.toString(), 'service unavailable\n');
    assert.equal(raw.headers['content-type'], 'text/plain; charset=utf-8');
  });
});
