import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { createCa, issueLeaf } from '../src/certs/issue';
import { encodeObjectProtobuf } from '../src/codec/protobuf';
import { loadSchemaSet } from '../src/schema/load';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

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

/** A tiny aggregated server on loopback: discovery for the group/version and one object that echoes who asked. */
function startSampleServer(certPem: string, keyPem: string, seen: Seen[]): Promise<https.Server> {
  const server = https.createServer(
    { cert: certPem, key: keyPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const groups = req.headers['x-remote-group'];
      const entry: Seen = {
        user: req.headers['x-remote-user'] as string | undefined,
        groups: groups === undefined ? [] : String(groups).split(', '),
        clientCN: peer?.subject?.CN as string | undefined,
        authorization: req.headers.authorization as string | undefined,
      };
      seen.push(entry);
      res.setHeader('content-type', 'application/json');
      if (req.url === `/apis/${GROUP}/v1`) {
        res.end(
          JSON.stringify({
            kind: 'APIResourceList',
            apiVersion: 'v1',
            groupVersion: `${GROUP}/v1`,
            resources: [
              { name: 'things', singularName: 'thing', namespaced: true, kind: 'Thing', verbs: ['get', 'list'] },
            ],
          }),
        );
        return;
      }
      if (req.url?.startsWith(`/apis/${GROUP}/v1/namespaces/default/things/one`)) {
        res.end(JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: 'Thing', metadata: { name: 'one' }, seen: entry }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    },
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
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

describe('remote APIServices (real kubectl, a loopback HTTPS aggregated server)', () => {
  let etcd: RunningEtcd;
  let replica: ReplicaProcess;
  let kv: Etcd3;
  let server: https.Server;
  let kc: string;
  let dir: string;
  let caPem: string;
  const seen: Seen[] = [];

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
    server = await startSampleServer(serving.certPem, serving.keyPem, seen);
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoint });
    replica = await startReplicaProcess({
      args: [
        '--storage-backend=etcd3',
        `--etcd-servers=${etcd.endpoint}`,
        `--proxy-client-cert-file=${path.join(dir, 'proxy.crt')}`,
        `--proxy-client-key-file=${path.join(dir, 'proxy.key')}`,
      ],
    });
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
    kv?.close();
    await etcd?.stop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
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

    const port = (server.address() as AddressInfo).port;
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

    // users may not publish loopback endpoints; the test writes the slice as a controller's storage would hold it
    const schemas = loadSchemaSet();
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${SERVICE}-x1`,
        namespace: 'default',
        uid: 'aggr-slice-uid',
        labels: { 'kubernetes.io/service-name': SERVICE },
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    };
    await kv
      .put(`/registry/endpointslices/default/${SERVICE}-x1`)
      .value(Buffer.from(encodeObjectProtobuf(schemas, slice)));
    await until('Available True', async () => ((await available(kc)) === 'True Passed' ? true : undefined));
    const discoveryCheck = seen.find((s) => s.user !== undefined);
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

    server.closeAllConnections();
    await new Promise((r) => server.close(r));
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
    assert.match(r.stderr, /ServiceUnavailable|service unavailable/i);
  });
});
