import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface HttpLine {
  pid: number;
  verb: string;
  uri: string;
  latency: string;
  userAgent: string;
  auditID: string;
  srcIP: string;
  resp: number;
}

const HTTP_LINE =
  /^I\d{4} \d{2}:\d{2}:\d{2}\.\d{6} +(\d+) httplog\.js:\d+\] "HTTP" verb="([A-Z]+)" URI="([^"]*)" latency="([^"]+)" userAgent="([^"]*)" audit-ID="([^"]*)" srcIP="([^"]+)" resp=(\d+)$/;

function httpLines(r: ReplicaProcess): HttpLine[] {
  return r
    .stderr()
    .split('\n')
    .map((l) => HTTP_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      pid: Number(m[1]),
      verb: m[2],
      uri: m[3],
      latency: m[4],
      userAgent: m[5],
      auditID: m[6],
      srcIP: m[7],
      resp: Number(m[8]),
    }));
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const headerOf = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[0] : (v ?? ''));

describe('logs as kube-apiserver writes them', () => {
  let verbose: ReplicaProcess;
  let json: ReplicaProcess;
  let quiet: ReplicaProcess;

  before(async () => {
    [verbose, json, quiet] = await Promise.all([
      startReplicaProcess({ args: ['-v=3'] }),
      startReplicaProcess({ args: ['--logging-format=json', '--v=3'] }),
      startReplicaProcess(),
    ]);
  });
  after(async () => {
    await Promise.all([verbose?.cleanup(), json?.cleanup(), quiet?.cleanup()]);
  });

  it('at -v=3 writes one httplog line per kubectl request, with verb, URI, status and user agent', async () => {
    await kubectlOk(verbose.kubeconfig, ['create', 'configmap', 'logged', '-n', 'default', '--from-literal=a=b']);
    await kubectlOk(verbose.kubeconfig, ['get', 'configmaps', '-n', 'default']);
    await kubectlOk(verbose.kubeconfig, ['delete', 'configmap', 'logged', '-n', 'default']);
    const find = (verb: string, uri: string): HttpLine | undefined =>
      httpLines(verbose).find((l) => l.verb === verb && l.uri === uri);
    const created = await waitFor('the create line', () =>
      find('POST', '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict'),
    );
    assert.equal(created.resp, 201);
    assert.match(created.userAgent, /^kubectl\/v1\.32\.\d+ /);
    assert.equal(created.pid, verbose.pid);
    assert.match(created.srcIP, /^127\.0\.0\.1:\d+$/);
    assert.match(created.auditID, /^[0-9a-f-]{36}$/);
    assert.match(created.latency, /^\d+(\.\d+)?(ns|µs|ms|s)$/);
    const listed = await waitFor('the list line', () =>
      find('LIST', '/api/v1/namespaces/default/configmaps?limit=500'),
    );
    assert.equal(listed.resp, 200);
    const deleted = await waitFor('the delete line', () =>
      find('DELETE', '/api/v1/namespaces/default/configmaps/logged'),
    );
    assert.equal(deleted.resp, 200);
    // every request kubectl made is one line: no audit ID is logged twice
    const ids = httpLines(verbose).map((l) => l.auditID);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("logs the audit ID the response's Audit-Id header carries, and a client's own", async () => {
    const client = new ApiClient(verbose.kubeconfig);
    const res = await client.request('GET', '/api/v1/namespaces/default/configmaps/missing', undefined, {
      'user-agent': 'logging-e2e/1.0',
    });
    assert.equal(res.status, 404);
    const auditID = headerOf(res.headers['audit-id']);
    assert.match(auditID, /^[0-9a-f-]{36}$/);
    const line = await waitFor('the GET line', () => httpLines(verbose).find((l) => l.auditID === auditID));
    assert.deepEqual(
      { verb: line.verb, uri: line.uri, userAgent: line.userAgent, resp: line.resp },
      {
        verb: 'GET',
        uri: '/api/v1/namespaces/default/configmaps/missing',
        userAgent: 'logging-e2e/1.0',
        resp: 404,
      },
    );
    const own = await client.request('GET', '/api/v1/namespaces?limit=1', undefined, { 'audit-id': 'my-own-audit-id' });
    assert.equal(headerOf(own.headers['audit-id']), 'my-own-audit-id');
    const ownLine = await waitFor('the line with the sent ID', () =>
      httpLines(verbose).find((l) => l.auditID === 'my-own-audit-id'),
    );
    assert.equal(ownLine.verb, 'LIST');
    assert.equal(httpLines(verbose).filter((l) => l.auditID === auditID).length, 1);
  });

  it('logs a watch once, when it ends', async () => {
    const client = new ApiClient(verbose.kubeconfig);
    const watching = client.request(
      'GET',
      '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1',
      undefined,
      {
        'audit-id': 'watch-audit-id',
      },
    );
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(
      httpLines(verbose).some((l) => l.auditID === 'watch-audit-id'),
      false,
      'a watch in progress is not logged yet',
    );
    const res = await watching;
    assert.equal(res.status, 200);
    const line = await waitFor('the watch line', () => httpLines(verbose).find((l) => l.auditID === 'watch-audit-id'));
    assert.equal(line.verb, 'WATCH');
    assert.equal(line.uri, '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1');
    // it lasted the watch's second: Go's duration string in seconds
    assert.match(line.latency, /^1(\.\d+)?s$/);
  });

  it('with --logging-format=json every stderr line is a JSON object with ts, caller, msg and v', async () => {
    await kubectlOk(json.kubeconfig, ['get', 'namespaces']);
    const text = await waitFor('the namespaces line', () =>
      json.stderr().includes('"URI":"/api/v1/namespaces?limit=500"') ? json.stderr() : undefined,
    );
    const lines = text.split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 3);
    for (const l of lines) {
      const o = JSON.parse(l) as Record<string, unknown>;
      assert.equal(typeof o.ts, 'number', l);
      // upstream's ts: milliseconds since the epoch
      assert.ok(Math.abs((o.ts as number) - Date.now()) < 120_000, l);
      assert.match(String(o.caller), /^[^/]+\/[^/]+:\d+$/, l);
      assert.equal(typeof o.msg, 'string', l);
      assert.equal(typeof o.v, 'number', l);
    }
    const http = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((o) => o.msg === 'HTTP' && o.URI === '/api/v1/namespaces?limit=500');
    assert.ok(http);
    assert.equal(http.v, 3);
    assert.equal(http.verb, 'LIST');
    assert.equal(http.resp, 200);
    assert.match(String(http.userAgent), /^kubectl\/v1\.32/);
    assert.deepEqual(Object.keys(http).slice(0, 5), ['ts', 'caller', 'msg', 'v', 'verb']);
  });

  it('at the default verbosity prints no per-request lines', async () => {
    await kubectlOk(quiet.kubeconfig, ['get', 'namespaces']);
    const client = new ApiClient(quiet.kubeconfig);
    assert.equal((await client.request('GET', '/api/v1/namespaces')).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(quiet.stderr(), /"HTTP"/);
    // its start-up lines are klog lines all the same
    for (const l of quiet
      .stderr()
      .split('\n')
      .filter((x) => x !== '')) {
      assert.match(l, /^[IWE]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} +\d+ [^ ]+:\d+\] /, l);
    }
  });
});
