import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { replicaIdentity } from '../src/controllers/identity';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// SIGTERM on a replica with an open watch and writes in flight, watched from a
// second replica on the same etcd: readyz fails first, the watch ends cleanly,
// every acknowledged write is stored, the identity lease goes, exit code 0.

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

function agentFor(kubeconfig: string, keepAlive: boolean): https.Agent {
  const kc = parseYaml(readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
  return new https.Agent({
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
    keepAlive,
    maxSockets: 16,
  });
}

interface Reply {
  status: number;
  body: string;
}

function request(agent: https.Agent, url: string, method: string, body?: object, timeoutMs = 30_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      url,
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

let etcd: RunningEtcd;
let victim: ReplicaProcess;
let observer: ReplicaProcess;

before(async () => {
  etcd = await startEtcd();
  const common = ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`];
  victim = await startReplicaProcess({ args: [...common, '--shutdown-delay-duration=1s'] });
  observer = await startReplicaProcess({ args: common });
});

after(async () => {
  await victim?.cleanup();
  await observer?.cleanup();
  await etcd?.stop();
});

test('SIGTERM: not ready first, watches end, acknowledged writes stored, identity lease dropped, exit 0', async () => {
  const ns = 'graceful';
  const obs = new ApiClient(observer.kubeconfig);
  // whatever fails, nothing this test opened may keep the process (and the run) alive
  const cleanups: Array<() => void> = [];
  try {
    const created = await obs.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    assert.equal(created.status, 201, created.body.toString());

    const port = Number(new URL(victim.url).port);
    const leaseName = replicaIdentity({ advertiseAddress: '127.0.0.1', port }).leaseName;
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${leaseName}`;
    const lease = await obs.request('GET', leasePath);
    assert.equal(lease.status, 200, `victim's identity lease ${leaseName} should exist`);

    // a watch on the victim, over its own connection
    const watchAgent = agentFor(victim.kubeconfig, false);
    cleanups.push(() => watchAgent.destroy());
    const watchOutcome = new Promise<'ended' | 'aborted'>((resolve, reject) => {
      const req = https.get(
        `${victim.url}/api/v1/namespaces/${ns}/configmaps?watch=1`,
        { agent: watchAgent },
        (res) => {
          assert.equal(res.statusCode, 200);
          res.on('data', () => undefined);
          res.on('end', () => resolve('ended'));
          res.on('aborted', () => resolve('aborted'));
          res.on('error', () => resolve('aborted'));
        },
      );
      req.on('error', reject);
    });

    // and one over HTTP/2: its session gets a GOAWAY and the stream ends
    const creds = parseYaml(readFileSync(victim.kubeconfig, 'utf8')) as Kubeconfig;
    const session = http2.connect(victim.url, {
      ca: Buffer.from(creds.clusters[0].cluster['certificate-authority-data'], 'base64'),
      cert: Buffer.from(creds.users[0].user['client-certificate-data'], 'base64'),
      key: Buffer.from(creds.users[0].user['client-key-data'], 'base64'),
    });
    session.on('error', () => undefined);
    cleanups.push(() => session.destroy());
    let h2Goaway = false;
    session.on('goaway', () => (h2Goaway = true));
    const h2Outcome = new Promise<'ended' | 'aborted'>((resolve) => {
      const stream = session.request({ ':path': `/api/v1/namespaces/${ns}/configmaps?watch=1` });
      stream.on('data', () => undefined);
      stream.on('end', () => resolve('ended'));
      stream.on('error', () => resolve('aborted'));
      stream.end();
    });

    // readiness, polled over fresh connections until the victim is gone
    const readyAgent = agentFor(victim.kubeconfig, false);
    cleanups.push(() => readyAgent.destroy());
    const readyz: Array<{ at: number; status: number; body: string }> = [];
    let polling = true;
    cleanups.push(() => (polling = false));
    const poller = (async () => {
      while (polling) {
        try {
          const r = await request(readyAgent, `${victim.url}/readyz?verbose`, 'GET', undefined, 5000);
          readyz.push({ at: Date.now(), ...r });
        } catch {
          // refused once the listener is closed
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // writes keep going through SIGTERM, the shutdown delay and the drain
    const writeAgent = agentFor(victim.kubeconfig, true);
    cleanups.push(() => writeAgent.destroy());
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let next = 0;
    let writing = true;
    cleanups.push(() => (writing = false));
    const writer = async (): Promise<void> => {
      while (writing) {
        const name = `cm-${next++}`;
        try {
          const r = await request(writeAgent, `${victim.url}/api/v1/namespaces/${ns}/configmaps`, 'POST', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { pad: 'x'.repeat(2048) },
          });
          if (r.status === 201) acknowledged.push(name);
          else failures.push(`${name}: ${r.status}`);
        } catch (e) {
          failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
          // refused: the victim no longer accepts; stop this writer
          return;
        }
      }
    };
    const writers = Array.from({ length: 16 }, () => writer());
    // writes must be flowing before the signal: on a loaded machine the first ones take a while
    for (let waited = 0; acknowledged.length === 0 && waited < 20_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(acknowledged.length > 0, `writes should succeed before SIGTERM: ${failures.slice(0, 3).join('; ')}`);

    const sigtermAt = Date.now();
    const exitCode = await victim.stop();
    const exitedAt = Date.now();
    writing = false;
    polling = false;
    await Promise.all(writers);
    await poller;

    assert.equal(exitCode, 0, victim.output());
    assert.equal(await watchOutcome, 'ended', 'the watch response should end cleanly');
    assert.equal(await h2Outcome, 'ended', 'the HTTP/2 watch stream should end cleanly');
    assert.ok(h2Goaway, 'the HTTP/2 session should get a GOAWAY');

    const notReady = readyz.find((r) => r.at >= sigtermAt && r.status === 500);
    assert.ok(notReady, `readyz never reported 500 during shutdown: ${JSON.stringify(readyz.slice(-3))}`);
    assert.match(notReady.body, /\[-\]shutdown failed/);
    assert.ok(notReady.at <= exitedAt);
    assert.ok(
      readyz.filter((r) => r.at < sigtermAt).every((r) => r.status === 200),
      'readyz should be 200 before SIGTERM',
    );

    // the identity lease is removed before exit, not left to expire
    const gone = await obs.request('GET', leasePath);
    assert.equal(gone.status, 404, `identity lease still present: ${gone.body.toString()}`);

    const listed = await obs.request('GET', `/api/v1/namespaces/${ns}/configmaps`);
    assert.equal(listed.status, 200);
    const names = new Set(
      listed.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name),
    );
    const missing = acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(missing, [], 'every acknowledged write must be stored');
    assert.ok(acknowledged.length > 16, `only ${acknowledged.length} writes acknowledged`);
    assert.match(victim.output(), /listener closed; ended 2 watches/);
    // what was not acknowledged was turned away (refused, reset, 503), never left hanging
    for (const f of failures) assert.match(f, /ECONNREFUSED|ECONNRESET|socket hang up|: 503$/, f);
    watchAgent.destroy();
    readyAgent.destroy();
    writeAgent.destroy();
  } finally {
    for (const c of cleanups.reverse()) c();
    obs.close();
  }
});
