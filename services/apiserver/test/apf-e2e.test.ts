import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient, kubeconfigCredentials, type ClientResponse } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { parsePrometheusText } from './helpers/prometheus-text';

const FS_HEADER = 'x-kubernetes-pf-flowschema-uid';
const PL_HEADER = 'x-kubernetes-pf-prioritylevel-uid';

const BOOTSTRAP_SCHEMAS = [
  'exempt',
  'probes',
  'system-leader-election',
  'endpoint-controller',
  'workload-leader-election',
  'system-node-high',
  'system-nodes',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-system-service-accounts',
  'service-accounts',
  'global-default',
  'catch-all',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client that authenticates with a bearer token only. */
type Call = (p: string, body?: object) => Promise<ClientResponse>;

function tokenClient(kubeconfig: string, token: string): Call {
  const { server, ca } = kubeconfigCredentials(kubeconfig);
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 100 });
  return (p, body) =>
    new Promise((resolve, reject) => {
      const payload = body ? Buffer.from(JSON.stringify(body)) : undefined;
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      const req = https.request(new URL(p, server), { agent, method: payload ? 'POST' : 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: <T>() => JSON.parse(body.toString()) as T,
          });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
}

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const newConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'apf-' }, data: { k: 'v' } };

/** Opens n keep-alive connections, so a burst afterwards reaches the server at once instead of one TLS handshake at a time. */
async function warm(call: Call, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => call(CONFIGMAPS)));
}

async function uidOf(kc: string, resource: string, name: string): Promise<string> {
  return kubectlOk(kc, ['get', resource, name, '-o', 'jsonpath={.metadata.uid}']);
}

describe('API Priority and Fairness (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let admin: ApiClient;
  let dir: string;
  let etcd: RunningEtcd;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-apf-'));
    writeFileSync(
      path.join(dir, 'tokens.csv'),
      ['flood-token,flooder,u1', 'alice-token,alice,u2', 'bob-token,bob,u3', ''].join('\n'),
    );
    // etcd round trips let a burst of writes overlap in the server, as they do in production
    etcd = await startEtcd();
    replica = await startReplicaProcess({
      args: [
        '--storage-backend=etcd3',
        `--etcd-servers=${etcd.endpoint}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      ],
    });
    kc = replica.kubeconfig;
    for (const u of ['flooder', 'alice', 'bob']) {
      await kubectlOk(kc, ['create', 'rolebinding', `${u}-edit`, '--clusterrole=edit', `--user=${u}`, '-n', 'default']);
    }
    admin = new ApiClient(kc);
    // the leader creates the bootstrap configuration shortly after start
    for (let i = 0; i < 100; i++) {
      const r = await kubectl(kc, ['get', 'flowschema', 'catch-all', '-o', 'jsonpath={.status.conditions[0].status}']);
      if (r.code === 0 && r.stdout === 'False') break;
      await sleep(100);
    }
  });
  after(async () => {
    admin?.close();
    await replica?.cleanup();
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl get flowschemas lists the bootstrap schemas with upstream columns', async () => {
    const out = await kubectlOk(kc, ['get', 'flowschemas']);
    const lines = out.trim().split('\n');
    assert.deepEqual(lines[0].split(/\s+/), [
      'NAME',
      'PRIORITYLEVEL',
      'MATCHINGPRECEDENCE',
      'DISTINGUISHERMETHOD',
      'AGE',
      'MISSINGPL',
    ]);
    const rows = new Map(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)]));
    assert.deepEqual([...rows.keys()].sort(), [...BOOTSTRAP_SCHEMAS].sort());
    assert.deepEqual(rows.get('service-accounts')?.slice(1, 4), ['workload-low', '9000', 'ByUser']);
    assert.deepEqual(rows.get('exempt')?.slice(1, 4), ['exempt', '1', '<none>']);
    assert.equal(rows.get('catch-all')?.[5], 'False');
    const pls = await kubectlOk(kc, ['get', 'prioritylevelconfigurations', 'workload-low', '--no-headers']);
    assert.deepEqual(pls.trim().split(/\s+/).slice(0, 6), ['workload-low', 'Limited', '100', '128', '6', '50']);
    const fs = JSON.parse(await kubectlOk(kc, ['get', 'flowschema', 'probes', '-o', 'json'])) as {
      metadata: { annotations: Record<string, string> };
    };
    assert.equal(fs.metadata.annotations['apf.kubernetes.io/autoupdate-spec'], 'true');
  });

  it('restores a mandatory object, keeps a suggested one an operator opted out of', async () => {
    await kubectlOk(kc, [
      'patch',
      'prioritylevelconfiguration',
      'catch-all',
      '--type=merge',
      '-p',
      '{"spec":{"limited":{"nominalConcurrencyShares":77}}}',
    ]);
    await kubectlOk(kc, [
      'annotate',
      '--overwrite',
      'flowschema',
      'global-default',
      'apf.kubernetes.io/autoupdate-spec=false',
    ]);
    await kubectlOk(kc, [
      'patch',
      'flowschema',
      'global-default',
      '--type=merge',
      '-p',
      '{"spec":{"matchingPrecedence":9800}}',
    ]);
    let shares = '';
    for (let i = 0; i < 100; i++) {
      shares = await kubectlOk(kc, [
        'get',
        'prioritylevelconfiguration',
        'catch-all',
        '-o',
        'jsonpath={.spec.limited.nominalConcurrencyShares}',
      ]);
      if (shares === '5') break;
      await sleep(100);
    }
    assert.equal(shares, '5');
    await kubectlOk(kc, ['delete', 'flowschema', 'exempt']);
    let uid = '';
    for (let i = 0; i < 100 && !uid; i++) {
      const r = await kubectl(kc, ['get', 'flowschema', 'exempt', '-o', 'jsonpath={.metadata.uid}']);
      if (r.code === 0) uid = r.stdout;
      else await sleep(100);
    }
    assert.ok(uid, 'the mandatory exempt FlowSchema is re-created');
    const precedence = await kubectlOk(kc, [
      'get',
      'flowschema',
      'global-default',
      '-o',
      'jsonpath={.spec.matchingPrecedence}',
    ]);
    assert.equal(precedence, '9800');
  });

  it('names the matched schema and level in response headers', async () => {
    const exemptFS = await uidOf(kc, 'flowschema', 'exempt');
    const exemptPL = await uidOf(kc, 'prioritylevelconfiguration', 'exempt');
    let res: ClientResponse | undefined;
    // the re-created exempt schema reaches the watch shortly
    for (let i = 0; i < 50; i++) {
      res = await admin.request('GET', '/api/v1/namespaces/default/configmaps');
      if (res.headers[FS_HEADER] === exemptFS) break;
      await sleep(100);
    }
    assert.equal(res?.headers[FS_HEADER], exemptFS);
    assert.equal(res?.headers[PL_HEADER], exemptPL);

    await kubectlOk(kc, ['create', 'serviceaccount', 'robot']);
    const token = (await kubectlOk(kc, ['create', 'token', 'robot'])).trim();
    const sa = await tokenClient(kc, token)('/api/v1/namespaces/default/pods');
    assert.equal(sa.headers[FS_HEADER], await uidOf(kc, 'flowschema', 'service-accounts'));
    assert.equal(sa.headers[PL_HEADER], await uidOf(kc, 'prioritylevelconfiguration', 'workload-low'));
    // an unauthenticated probe is exempt through the probes schema
    const probe = await tokenClient(kc, 'no-such-token')('/readyz');
    assert.equal(probe.status, 401);
  });

  it('a flood from one low-priority user gets 429s while kubectl at workload-high and exempt keeps succeeding', async () => {
    await kubectlOk(
      kc,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
            kind: 'PriorityLevelConfiguration',
            metadata: { name: 'tiny' },
            spec: {
              type: 'Limited',
              limited: {
                nominalConcurrencyShares: 1,
                limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 } },
              },
            },
          },
          {
            apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
            kind: 'FlowSchema',
            metadata: { name: 'flooder' },
            spec: {
              priorityLevelConfiguration: { name: 'tiny' },
              matchingPrecedence: 50,
              distinguisherMethod: { type: 'ByUser' },
              rules: [
                {
                  subjects: [{ kind: 'User', user: { name: 'flooder' } }],
                  resourceRules: [
                    { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true },
                  ],
                },
              ],
            },
          },
        ],
      }),
    );
    const flooderFS = await uidOf(kc, 'flowschema', 'flooder');
    const flood = tokenClient(kc, 'flood-token');
    for (let i = 0; i < 50; i++) {
      const r = await flood('/api/v1/namespaces/default/configmaps');
      if (r.headers[FS_HEADER] === flooderFS) break;
      await sleep(100);
    }
    // a kube-system service account is classified kube-system-service-accounts, at workload-high
    const robot = 'system:serviceaccount:kube-system:apf-robot';
    await kubectlOk(kc, ['create', 'clusterrolebinding', 'apf-robot-view', '--clusterrole=view', `--user=${robot}`]);
    const workloadHigh = await uidOf(kc, 'prioritylevelconfiguration', 'workload-high');
    const exemptPL = await uidOf(kc, 'prioritylevelconfiguration', 'exempt');
    const kubectlAt = async (extra: string[]) => {
      const r = await kubectl(kc, ['get', 'configmaps', '-n', 'default', '-o', 'name', '-v=8', ...extra]);
      return { code: r.code, level: /X-Kubernetes-Pf-Prioritylevel-Uid: (\S+)/i.exec(r.stderr)?.[1] };
    };
    await warm(flood, 60);
    const floodDone = Promise.all(Array.from({ length: 60 }, () => flood(CONFIGMAPS, newConfigMap)));
    const kubectlDuringFlood = Promise.all([kubectlAt([`--as=${robot}`]), kubectlAt([])]);
    const adminResults = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const t0 = Date.now();
        const r = await admin.request('GET', '/api/v1/namespaces/default/configmaps');
        return { status: r.status, ms: Date.now() - t0 };
      }),
    );
    const flooded = await floodDone;
    const rejected = flooded.filter((r) => r.status === 429);
    assert.ok(rejected.length > 0, `some of the flood is refused: ${flooded.map((r) => r.status).join(',')}`);
    // Retry-After starts at 1 s and grows (to 32 s at most) only while the level keeps refusing for seconds
    for (const r of rejected) assert.match(String(r.headers['retry-after']), /^([1-9]|[12][0-9]|3[0-2])$/);
    assert.equal(rejected[0].body.toString(), 'Too many requests, please try again later.\n');
    assert.equal(rejected[0].headers[FS_HEADER], flooderFS);
    assert.ok(
      flooded.some((r) => r.status === 201),
      'the level still serves some',
    );
    assert.deepEqual(
      adminResults.map((r) => r.status),
      Array(10).fill(200),
    );
    assert.ok(Math.max(...adminResults.map((r) => r.ms)) < 10_000);
    assert.deepEqual(await kubectlDuringFlood, [
      { code: 0, level: workloadHigh },
      { code: 0, level: exemptPL },
    ]);
    const scrape = parsePrometheusText(await kubectlOk(kc, ['get', '--raw', '/metrics']));
    const sample = (name: string, labels: Record<string, string>) =>
      scrape.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    const tiny = { priority_level: 'tiny', flow_schema: 'flooder' };
    // the warm-up's bursts were refused too
    assert.ok(
      (sample('apiserver_flowcontrol_rejected_requests_total', { ...tiny, reason: 'queue-full' })?.value ?? 0) >=
        rejected.length,
    );
    assert.ok(
      (sample('apiserver_flowcontrol_dispatched_requests_total', tiny)?.value ?? 0) >= flooded.length - rejected.length,
    );
    assert.ok((sample('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'tiny' })?.value ?? 0) > 0);
    assert.ok(
      (sample('apiserver_flowcontrol_dispatched_requests_total', {
        priority_level: 'workload-high',
        flow_schema: 'kube-system-service-accounts',
      })?.value ?? 0) >= 1,
    );
  });

  it('shares one level fairly between two flows', async () => {
    await kubectlOk(
      kc,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
            kind: 'PriorityLevelConfiguration',
            metadata: { name: 'shared' },
            spec: {
              type: 'Limited',
              limited: {
                nominalConcurrencyShares: 1,
                limitResponse: { type: 'Queue', queuing: { queues: 64, handSize: 2, queueLengthLimit: 200 } },
              },
            },
          },
          {
            apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
            kind: 'FlowSchema',
            metadata: { name: 'alice-and-bob' },
            spec: {
              priorityLevelConfiguration: { name: 'shared' },
              matchingPrecedence: 60,
              distinguisherMethod: { type: 'ByUser' },
              rules: [
                {
                  subjects: [
                    { kind: 'User', user: { name: 'alice' } },
                    { kind: 'User', user: { name: 'bob' } },
                  ],
                  resourceRules: [
                    { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true },
                  ],
                },
              ],
            },
          },
        ],
      }),
    );
    const schemaUID = await uidOf(kc, 'flowschema', 'alice-and-bob');
    const alice = tokenClient(kc, 'alice-token');
    const bob = tokenClient(kc, 'bob-token');
    for (let i = 0; i < 50; i++) {
      if ((await bob('/api/v1/namespaces/default/configmaps')).headers[FS_HEADER] === schemaUID) break;
      await sleep(100);
    }
    await warm(alice, 80);
    await warm(bob, 8);
    let order = 0;
    const timed = async (c: Call): Promise<{ status: number; at: number }> => {
      const r = await c(CONFIGMAPS, newConfigMap);
      return { status: r.status, at: order++ };
    };
    const aliceRuns = Array.from({ length: 80 }, () => timed(alice));
    const bobRuns = Array.from({ length: 8 }, () => timed(bob));
    const [a, b] = await Promise.all([Promise.all(aliceRuns), Promise.all(bobRuns)]);
    assert.ok(
      [...a, ...b].every((r) => r.status === 201),
      'all are served (none refused)',
    );
    // first come first served would finish bob's last request around 88th; fair queuing interleaves the flows
    const bobLast = Math.max(...b.map((r) => r.at));
    assert.ok(bobLast < 60, `bob's last request finished at position ${bobLast} of 88`);
  });
});

describe('--enable-priority-and-fairness=false (real replica)', () => {
  let replica: ReplicaProcess;
  let admin: ApiClient;

  before(async () => {
    replica = await startReplicaProcess({
      args: ['--enable-priority-and-fairness=false', '--max-requests-inflight=1', '--max-mutating-requests-inflight=1'],
    });
    admin = new ApiClient(replica.kubeconfig);
  });
  after(async () => {
    admin?.close();
    await replica?.cleanup();
  });

  it('serves without APF headers; system:masters is never limited', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => admin.request('GET', '/api/v1/namespaces/default/configmaps')),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
    );
    assert.equal(results[0].headers[FS_HEADER], undefined);
    assert.equal(results[0].headers[PL_HEADER], undefined);
  });
});
