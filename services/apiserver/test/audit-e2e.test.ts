import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent, AuditStage } from '../src/audit/types';
import { ApiClient, kubeconfigCredentials } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { startWebhookServer, type WebhookServer } from './helpers/webhook-server';

const NS = 'audit-e2e';
const PLAIN = 'correct-horse-battery-staple-42';
const B64 = Buffer.from(PLAIN).toString('base64');
const APPLIED_PLAIN = 'applied-value-never-logged-7';
const LOW_TOKEN = 'low-privilege-token';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["*"]
- level: RequestResponse
  resources: [{group: "", resources: [secrets]}]
- level: Request
  omitStages: [RequestReceived]
  verbs: [create, update, patch]
  resources: [{group: "", resources: [configmaps]}]
- level: RequestResponse
  resources: [{group: "", resources: [configmaps]}]
- level: Metadata
  resources: [{group: "", resources: [namespaces]}]
`;

/** The stages the policy above asks for, given what an event says about its request. */
function expectedStages(e: AuditEvent): AuditStage[] {
  if (e.responseStatus?.code === 401) return ['ResponseStarted'];
  if (e.objectRef?.resource === 'configmaps' && ['create', 'update', 'patch'].includes(e.verb)) {
    return ['ResponseComplete'];
  }
  if (e.verb === 'watch') return ['RequestReceived', 'ResponseStarted', 'ResponseComplete'];
  return ['RequestReceived', 'ResponseComplete'];
}

/** A request with a bearer token and no client certificate. */
function tokenRequest(server: string, ca: Buffer, token: string, urlPath: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = https.request(
      new URL(urlPath, server),
      { method: 'GET', ca, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The file's bytes, or undefined if it is not there (rotation renames and ages files out meanwhile). */
function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseEvents(bytes: Buffer | undefined): AuditEvent[] {
  if (bytes === undefined) return [];
  const text = bytes.toString('utf8');
  // a line still being written is read next time
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent);
}

function readEvents(file: string): AuditEvent[] {
  return parseEvents(readIfPresent(file));
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('audit (real replica, real kubectl)', () => {
  let replica: ReplicaProcess;
  let client: ApiClient;
  let dir: string;
  let logFile: string;
  let webhook: WebhookServer;
  let webhookCalls = 0;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-audit-e2e-'));
    logFile = path.join(dir, 'logs', 'audit.log');
    writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
    writeFileSync(path.join(dir, 'tokens.csv'), `${LOW_TOKEN},lowpriv,uid-low,"low-group"\n`);
    webhook = await startWebhookServer({
      '/audit': () => {
        webhookCalls++;
        // the first batch is refused: the backend must retry it
        return webhookCalls === 1 ? { status: 500, body: 'not yet' } : { body: '{}' };
      },
    });
    writeFileSync(
      path.join(dir, 'webhook.kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: audit-sink',
        `  cluster: {server: "${webhook.url('/audit')}", certificate-authority-data: ${webhook.caBundle}}`,
        'users:',
        '- name: kapi',
        '  user: {}',
        'contexts:',
        '- name: default',
        '  context: {cluster: audit-sink, user: kapi}',
        'current-context: default',
        '',
      ].join('\n'),
    );
    replica = await startReplicaProcess({
      args: [
        `--audit-policy-file=${path.join(dir, 'policy.yaml')}`,
        `--audit-log-path=${logFile}`,
        '--audit-log-maxsize=1',
        '--audit-log-maxbackup=2',
        `--audit-webhook-config-file=${path.join(dir, 'webhook.kubeconfig')}`,
        '--audit-webhook-batch-max-wait=200ms',
        '--audit-webhook-initial-backoff=100ms',
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      ],
    });
    client = new ApiClient(replica.kubeconfig);
  });

  after(async () => {
    client?.close();
    await replica?.cleanup();
    await webhook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records a kubectl workload and raw requests exactly as the policy asks, without secret values', async () => {
    const kc = replica.kubeconfig;
    await kubectlOk(kc, ['create', 'namespace', NS]);
    await kubectlOk(kc, ['-n', NS, 'create', 'configmap', 'cm1', '--from-literal=k=v1']);
    await kubectlOk(kc, ['-n', NS, 'get', 'configmap', 'cm1', '-o', 'json']);
    await kubectlOk(kc, ['-n', NS, 'get', 'configmaps']);
    await kubectlOk(kc, ['-n', NS, 'patch', 'configmap', 'cm1', '-p', '{"data":{"k":"v2"}}']);
    await kubectlOk(kc, ['-n', NS, 'delete', 'configmap', 'cm1']);
    await kubectlOk(kc, ['-n', NS, 'create', 'secret', 'generic', 's1', `--from-literal=password=${PLAIN}`]);
    await kubectlOk(
      kc,
      ['-n', NS, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's2' },
        stringData: { token: APPLIED_PLAIN },
      }),
    );
    await kubectlOk(kc, ['-n', NS, 'get', 'secret', 's1', '-o', 'yaml']);
    await kubectlOk(kc, ['-n', NS, 'get', 'secrets', '-o', 'json']);
    const forbidden = await kubectl(kc, ['--as=lowpriv', '-n', NS, 'get', 'configmaps']);
    assert.notEqual(forbidden.code, 0);
    assert.match(forbidden.stderr, /forbidden/);

    // raw requests, whose Audit-Id the events must carry
    await client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'raw' },
      data: { a: 'b' },
    });
    const got = await client.request('GET', `/api/v1/namespaces/${NS}/configmaps/raw`);
    assert.equal(got.status, 200);
    const gotId = String(got.headers['audit-id']);
    assert.match(gotId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const echoed = await client.request('GET', `/api/v1/namespaces/${NS}/configmaps/raw`, undefined, {
      'audit-id': 'my-own-audit-id',
    });
    assert.equal(echoed.headers['audit-id'], 'my-own-audit-id');
    const health = await client.request('GET', '/healthz');
    assert.ok(health.headers['audit-id'], 'requests the policy does not record still get an Audit-Id');
    const tooLarge = await client.request(
      'POST',
      `/api/v1/namespaces/${NS}/configmaps`,
      Buffer.alloc(3.5 * 1024 * 1024, 0x20),
      { 'content-type': 'application/json' },
    );
    assert.equal(tooLarge.status, 413);
    assert.ok(tooLarge.headers['audit-id'], 'a body refused before the chain runs still gets an Audit-Id');
    const { ca, server } = kubeconfigCredentials(replica.kubeconfig);
    const low = await tokenRequest(server, ca, LOW_TOKEN, `/api/v1/namespaces/${NS}/configmaps`);
    assert.equal(low.status, 403);
    const bad = await tokenRequest(server, ca, 'no-such-token', `/api/v1/namespaces/${NS}/configmaps`);
    assert.equal(bad.status, 401);
    const watch = await client.request('GET', `/api/v1/namespaces/${NS}/configmaps?watch=true&timeoutSeconds=1`);
    assert.equal(watch.status, 200);
    const watchId = String(watch.headers['audit-id']);

    const events = await waitFor('the watch to complete in the audit log', () => {
      const evs = readEvents(logFile);
      return evs.some((e) => e.auditID === watchId && e.stage === 'ResponseComplete') ? evs : undefined;
    });
    const byId = new Map<string, AuditEvent[]>();
    for (const e of events) byId.set(e.auditID, [...(byId.get(e.auditID) ?? []), e]);

    // one event per request and stage, and just the stages the policy keeps
    for (const [id, evs] of byId) {
      const stages = evs.map((e) => e.stage);
      assert.deepEqual(
        stages,
        expectedStages(evs[evs.length - 1]),
        `stages of ${id} (${evs[0].verb} ${evs[0].requestURI})`,
      );
      assert.ok(evs.every((e) => e.verb === evs[0].verb && e.requestURI === evs[0].requestURI));
    }
    assert.ok(
      events.every((e) => e.objectRef !== undefined),
      'non-resource requests (discovery, healthz) are at level None',
    );

    const last = (pred: (e: AuditEvent) => boolean): AuditEvent => {
      // the request's final event: impersonation and the response are known by then
      const hit = events.filter((e) => e.stage !== 'RequestReceived' && pred(e));
      assert.ok(hit.length > 0, 'no such event');
      return hit[hit.length - 1];
    };
    const rawGet = byId.get(gotId) ?? [];
    assert.equal(rawGet.length, 2);
    const admin = rawGet[1].user;
    assert.ok(admin.groups?.includes('system:masters'));
    assert.equal(rawGet[1].verb, 'get');
    assert.equal(rawGet[1].level, 'RequestResponse');
    assert.deepEqual(rawGet[1].objectRef, { resource: 'configmaps', namespace: NS, name: 'raw', apiVersion: 'v1' });
    assert.deepEqual(rawGet[1].responseStatus, { metadata: {}, code: 200 });
    assert.equal((rawGet[1].responseObject as { data: Record<string, string> }).data.a, 'b');
    assert.deepEqual(rawGet[1].annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.equal(byId.get('my-own-audit-id')?.length, 2);

    const ns = last((e) => e.objectRef?.resource === 'namespaces' && e.verb === 'create');
    assert.equal(ns.level, 'Metadata');
    assert.equal(ns.objectRef?.name, NS, 'a create is named from its body');
    assert.equal(ns.responseStatus?.code, 201);
    assert.equal(ns.requestObject, undefined);
    assert.deepEqual(ns.user.username, admin.username);
    assert.match(ns.userAgent ?? '', /^kubectl\//);
    assert.deepEqual(ns.sourceIPs, ['127.0.0.1'], 'kubectl speaks HTTP/2: the peer is known there too');
    assert.deepEqual(rawGet[1].sourceIPs, ['127.0.0.1']);

    const cmCreate = last((e) => e.objectRef?.name === 'cm1' && e.verb === 'create');
    assert.equal(cmCreate.level, 'Request');
    assert.equal((cmCreate.requestObject as { data: Record<string, string> }).data.k, 'v1');
    assert.equal(cmCreate.responseObject, undefined);
    assert.equal(cmCreate.responseStatus?.code, 201);

    // kubectl patch reads before it patches and kubectl delete reads until the object is gone
    const cmGets = events.filter(
      (e) => e.objectRef?.name === 'cm1' && e.verb === 'get' && e.stage === 'ResponseComplete',
    );
    assert.equal((cmGets[0].responseObject as { data: Record<string, string> }).data.k, 'v1');
    const gone = cmGets[cmGets.length - 1];
    assert.equal(gone.responseStatus?.code, 404);
    assert.equal(gone.responseStatus?.reason, 'NotFound');
    assert.equal((gone.responseObject as { kind: string }).kind, 'Status');

    const cmList = last(
      (e) =>
        e.objectRef?.resource === 'configmaps' &&
        e.verb === 'list' &&
        e.user.username === admin.username &&
        !e.impersonatedUser,
    );
    assert.ok(['Table', 'ConfigMapList'].includes((cmList.responseObject as { kind: string }).kind));

    const cmPatch = last((e) => e.objectRef?.name === 'cm1' && e.verb === 'patch');
    assert.deepEqual(cmPatch.requestObject, { data: { k: 'v2' } });
    assert.equal(cmPatch.responseStatus?.code, 200);

    const cmDelete = last((e) => e.objectRef?.name === 'cm1' && e.verb === 'delete');
    assert.equal(cmDelete.responseStatus?.code, 200);

    const secretCreate = last((e) => e.objectRef?.name === 's1' && e.verb === 'create');
    assert.equal(secretCreate.level, 'RequestResponse');
    assert.equal(secretCreate.responseStatus?.code, 201);
    assert.equal((secretCreate.responseObject as { kind: string }).kind, 'Secret');
    assert.equal((secretCreate.responseObject as { data?: unknown }).data, undefined);
    assert.equal((secretCreate.requestObject as { data?: unknown }).data, undefined);

    const viaImpersonation = last((e) => e.impersonatedUser?.username === 'lowpriv');
    assert.equal(viaImpersonation.user.username, admin.username);
    assert.equal(viaImpersonation.verb, 'list');
    assert.equal(viaImpersonation.responseStatus?.code, 403);
    assert.equal(viaImpersonation.responseStatus?.reason, 'Forbidden');
    assert.equal(viaImpersonation.annotations?.['authorization.k8s.io/decision'], 'forbid');

    const lowEvent = last((e) => e.user.username === 'lowpriv');
    assert.deepEqual(lowEvent.user, {
      username: 'lowpriv',
      uid: 'uid-low',
      groups: ['low-group', 'system:authenticated'],
    });
    assert.equal(lowEvent.responseStatus?.code, 403);
    assert.match(lowEvent.responseStatus?.message ?? '', /User "lowpriv" cannot list resource "configmaps"/);

    const unauthenticated = last((e) => e.responseStatus?.code === 401);
    assert.deepEqual(unauthenticated.user, {});
    assert.equal(unauthenticated.responseStatus?.message, 'Authentication failed, attempted: bearer');

    const watchEvents = byId.get(watchId) ?? [];
    assert.deepEqual(
      watchEvents.map((e) => e.responseStatus?.code),
      [undefined, 200, 200],
    );

    const text = readFileSync(logFile, 'utf8');
    for (const leak of [PLAIN, B64, APPLIED_PLAIN, Buffer.from(APPLIED_PLAIN).toString('base64')]) {
      assert.ok(!text.includes(leak), `the audit log holds secret data (${leak})`);
    }

    // the webhook got the same events as EventLists, the refused first batch retried
    const received = await waitFor('the webhook to receive the raw get', () => {
      const lists = (webhook.received.get('/audit') ?? []) as unknown as Array<{ kind: string; items: AuditEvent[] }>;
      const items = lists.flatMap((l) => l.items);
      return items.some((e) => e.auditID === watchId && e.stage === 'ResponseComplete') ? lists : undefined;
    });
    assert.ok(received.every((l) => l.kind === 'EventList'));
    const webhookItems = received.flatMap((l) => l.items);
    assert.ok(webhookCalls >= 2);
    for (const e of events) {
      assert.ok(
        webhookItems.some((w) => w.auditID === e.auditID && w.stage === e.stage),
        `webhook lacks ${e.auditID} ${e.stage}`,
      );
    }
    assert.ok(!JSON.stringify(webhookItems).includes(B64));

    // every event that reached the backends is counted, by the level the policy gave it
    const scrape = (await client.request('GET', '/metrics')).body.toString();
    const counter = (re: RegExp): number => Number(re.exec(scrape)?.[1] ?? NaN);
    const logged = readEvents(logFile);
    assert.ok(counter(/^apiserver_audit_event_total (\d+)$/m) >= logged.length);
    for (const level of new Set(logged.map((e) => e.level))) {
      const n = counter(new RegExp(`^apiserver_audit_level_total\\{level="${level}"\\} (\\d+)$`, 'm'));
      assert.ok(n >= logged.filter((e) => e.level === level).length, `apiserver_audit_level_total for ${level}: ${n}`);
    }
  });

  it('rotates the log past --audit-log-maxsize and keeps --audit-log-maxbackup backups', async () => {
    const big = 'x'.repeat(400 * 1024);
    for (let i = 0; i < 8; i++) {
      const r = await client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `big-${i}` },
        data: { big },
      });
      assert.equal(r.status, 201, r.body.toString());
    }
    const logDir = path.dirname(logFile);
    // one snapshot of the directory: the replica may still rotate (and age a backup out) while it is read
    const snapshot = await waitFor('rotated backups', () => {
      const names = readdirSync(logDir).filter((f) =>
        /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/.test(f),
      );
      const files = [...names, 'audit.log'].map((f) => ({ f, bytes: readIfPresent(path.join(logDir, f)) }));
      if (files.some((x) => x.bytes === undefined)) return undefined;
      const all = files.flatMap((x) => parseEvents(x.bytes));
      // old backups go just after the rotation that makes a new one
      return all.some((e) => e.objectRef?.name === 'big-7') && names.length <= 2 ? { names, files } : undefined;
    });
    assert.equal(snapshot.names.length, 2, `backups: ${snapshot.names.join(' ')}`);
    for (const { f, bytes } of snapshot.files) {
      const size = bytes?.length ?? 0;
      assert.ok(size <= 1024 * 1024, `${f} is ${size} bytes`);
    }
  });

  it('refuses to start with an invalid policy, saying why', async () => {
    const bad = path.join(dir, 'bad-policy.yaml');
    writeFileSync(bad, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n');
    await assert.rejects(
      startReplicaProcess({ args: [`--audit-policy-file=${bad}`, '--audit-log-path=-'] }),
      /exited with 1[\s\S]*rules\[0\]\.level: Unsupported value: "Everything"[\s\S]*from file/,
    );
  });
});
