import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient, kubeconfigCredentials } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface Creds {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function credsOf(kubeconfig: string): Creds {
  const { server, ca, cert, key } = kubeconfigCredentials(kubeconfig);
  const url = new URL(server);
  return { host: url.hostname, port: Number(url.port), ca, cert, key };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request whose path goes on the wire exactly as written: no URL normalisation on the client. */
function raw(
  c: Creds,
  method: string,
  rawPath: string,
  opts: { headers?: Record<string, string>; body?: string; chunked?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = https.request(
      { host: c.host, port: c.port, method, path: rawPath, ca: c.ca, cert: c.cert, key: c.key, headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) {
      if (opts.chunked) {
        const half = Math.floor(opts.body.length / 2);
        req.write(opts.body.slice(0, half));
        setTimeout(() => req.end(opts.body?.slice(half)), 20);
      } else req.end(opts.body);
    } else req.end();
  });
}

function status(r: RawResponse): { code: number; reason: string; message: string; kind: string } {
  return JSON.parse(r.body) as { code: number; reason: string; message: string; kind: string };
}

describe('front door: paths, methods, query limits, headers and bodies', () => {
  let replica: ReplicaProcess;
  let creds: Creds;
  let client: ApiClient;

  before(async () => {
    replica = await startReplicaProcess();
    creds = credsOf(replica.kubeconfig);
    client = new ApiClient(replica.kubeconfig);
  });

  after(async () => {
    client?.close();
    await replica?.cleanup();
  });

  test('dot segments and encoded slashes in names are 400 and delete nothing', async () => {
    await kubectlOk(replica.kubeconfig, ['create', 'namespace', 'victim']);
    await kubectlOk(replica.kubeconfig, ['create', 'configmap', 'keep', '-n', 'victim', '--from-literal=a=b']);
    for (const name of ['%2e%2e', '%2E%2E', '.%2e', '%2e', 'a%2Fb', 'a%25b']) {
      const r = await raw(creds, 'DELETE', `/api/v1/namespaces/victim/configmaps/${name}`);
      assert.equal(r.status, 400, `${name}: ${r.body}`);
      const s = status(r);
      assert.equal(s.kind, 'Status');
      assert.equal(s.reason, 'BadRequest');
      assert.match(s.message, /^Name parameter invalid: /);
    }
    const r = await raw(creds, 'DELETE', '/api/v1/namespaces/%2e%2e/configmaps/keep');
    assert.equal(r.status, 400, r.body);
    assert.match(status(r).message, /^Namespace parameter invalid: "\.\.": may not be '\.\.'/);
    const ns = await client.request('GET', '/api/v1/namespaces/victim');
    assert.equal(ns.status, 200);
    assert.equal(ns.json<{ metadata: { deletionTimestamp?: string } }>().metadata.deletionTimestamp, undefined);
    assert.equal((await client.request('GET', '/api/v1/namespaces/victim/configmaps/keep')).status, 200);
  });

  test('TRACE is 405 MethodNotAllowed', async () => {
    const r = await raw(creds, 'TRACE', '/api/v1/namespaces/default/configmaps');
    assert.equal(r.status, 405, r.body);
    assert.equal(status(r).reason, 'MethodNotAllowed');
  });

  test('limit and resourceVersion that do not fit are 400, not 500 or 504', async () => {
    for (const q of [
      'limit=1e20',
      'limit=100000000000000000000',
      'limit=abc',
      'resourceVersion=99999999999999999999999',
    ]) {
      const r = await raw(creds, 'GET', `/api/v1/namespaces/default/configmaps?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.body}`);
      assert.equal(status(r).reason, 'BadRequest');
      assert.doesNotMatch(r.body, /sqlite|SQLITE/i);
    }
    const big = await raw(creds, 'GET', '/api/v1/namespaces/default/configmaps?limit=9223372036854775807');
    assert.equal(big.status, 200, big.body);
  });

  test('a watch with a timeout past 2^31 ms stays open', async () => {
    const started = Date.now();
    const r = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: creds.host,
          port: creds.port,
          path: '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2147484',
          ca: creds.ca,
          cert: creds.cert,
          key: creds.key,
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(Date.now() - started));
          setTimeout(() => {
            req.destroy();
            resolve(Date.now() - started);
          }, 1500);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.ok(r >= 1400, `watch ended after ${r} ms`);
  });

  test('request headers up to 1 MiB in all are accepted', async () => {
    const r = await raw(creds, 'GET', '/api/v1/namespaces/default/configmaps', {
      headers: { 'x-padding': 'p'.repeat(200_000) },
    });
    assert.equal(r.status, 200, r.body.slice(0, 200));
  });

  test('a chunked body without Content-Type is read as JSON (kubectl create --raw)', async () => {
    const cm = (name: string): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
    const r = await raw(creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('chunked'), chunked: true });
    assert.equal(r.status, 201, r.body);
    const file = path.join(replica.dataDir, 'cm.json');
    writeFileSync(file, cm('by-raw'));
    await kubectlOk(replica.kubeconfig, ['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', file]);
    const got = await client.request('GET', '/api/v1/namespaces/default/configmaps/by-raw');
    assert.equal(got.status, 200);
    const replaced = cm('by-raw').replace('"a":"b"', '"a":"c"');
    writeFileSync(file, replaced);
    const rep = await kubectl(replica.kubeconfig, [
      'replace',
      '--raw',
      '/api/v1/namespaces/default/configmaps/by-raw',
      '-f',
      file,
    ]);
    assert.equal(rep.code, 0, rep.stderr);
    const after_ = await client.request('GET', '/api/v1/namespaces/default/configmaps/by-raw');
    assert.equal(after_.json<{ data: Record<string, string> }>().data.a, 'c');
  });
});
