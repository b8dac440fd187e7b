/**
 * KMS v2 end to end: the real plugin process (grpc-js on a unix socket), real
 * replicas on a real etcd. The plugin is killed and restarted mid-test: the
 * kms-providers check of /healthz and /readyz fails while it is down, writes
 * coast on the cached seed as upstream's do, a replica that never reached the
 * plugin cannot read until it comes back, and a key rotation at the plugin
 * (new key ID from Status) re-encrypts under the new key with kubectl replace.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectlOk } from './helpers/kubectl';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const NS = 'kms';
const PLUGIN = path.join(REPO_ROOT, 'dist/services/kms-plugin/src/kms-plugin.js');
const VALUE = 'kms-protected-value-42';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

interface PluginProcess {
  child: ChildProcess;
  keyId: string;
  kill(): Promise<void>;
}

async function startPlugin(socket: string, keyFile: string): Promise<PluginProcess> {
  const child = spawn(process.execPath, [PLUGIN, '--socket', socket, '--key-file', keyFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const keyId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kms plugin did not start:\n${out}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving KMS v2 on \S+ \(key (\S+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then(() => reject(new Error(`kms plugin exited:\n${out}`)));
  });
  return {
    child,
    keyId,
    async kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
      await exited;
    },
  };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('KMS v2 encryption at rest (real plugin process, real etcd)', () => {
  let dir: string;
  let etcd: RunningEtcd;
  let kv: Etcd3;
  let plugin: PluginProcess | undefined;
  let a: ReplicaProcess | undefined;
  let b: ReplicaProcess | undefined;
  let ca: ApiClient;
  const socket = (): string => path.join(dir, 'kms.sock');
  const keyFile = (): string => path.join(dir, 'kek');
  let configFile = '';

  const startReplica = (name: string): Promise<ReplicaProcess> =>
    startReplicaProcess({
      dataDir: path.join(dir, name),
      args: [
        '--storage-backend=etcd3',
        `--etcd-servers=${etcd.endpoint}`,
        `--encryption-provider-config=${configFile}`,
      ],
      timeoutMs: 60_000,
    });
  const raw = async (name: string): Promise<Buffer> => {
    const v = await kv.get(`/registry/secrets/${NS}/${name}`).buffer();
    assert.ok(v, name);
    return v;
  };
  const create = async (c: ApiClient, name: string): Promise<number> =>
    (
      await c.request('POST', `/api/v1/namespaces/${NS}/secrets`, {
        metadata: { name },
        data: { v: b64(`${VALUE}-${name}`) },
      })
    ).status;
  const read = async (c: ApiClient, name: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await c.request('GET', `/api/v1/namespaces/${NS}/secrets/${name}`);
    return { status: r.status, body: r.json() };
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-kms-e2e-'));
    writeFileSync(keyFile(), randomBytes(32).toString('base64'));
    configFile = path.join(dir, 'enc.yaml');
    writeFileSync(
      configFile,
      `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms:
      apiVersion: v2
      name: kplug
      endpoint: unix://${socket()}
      timeout: 2s
  - identity: {}
`,
    );
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoint });
    plugin = await startPlugin(socket(), keyFile());
    a = await startReplica('a');
    ca = new ApiClient(a.kubeconfig);
    assert.equal((await ca.request('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await plugin?.kill();
    kv?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('secrets are stored as k8s:enc:kms:v2:<name>: + EncryptedObject under the plugin key ID', async () => {
    assert.equal(await create(ca, 's1'), 201);
    const v = await raw('s1');
    assert.equal(v.subarray(0, 21).toString('latin1'), 'k8s:enc:kms:v2:kplug:');
    const s = v.toString('latin1');
    assert.ok(!s.includes(VALUE) && !s.includes(b64(`${VALUE}-s1`)), 'plaintext in etcd');
    assert.ok(s.includes(plugin!.keyId), 'the key ID is in the EncryptedObject');
    const got = await read(ca, 's1');
    assert.deepEqual(got.body.data, { v: b64(`${VALUE}-s1`) });
    for (const ep of ['/readyz?verbose', '/healthz?verbose']) {
      const r = await ca.request('GET', ep);
      assert.equal(r.status, 200, ep);
      assert.match(r.body.toString(), /\[\+\]kms-providers ok/, ep);
    }
    // upstream keeps KMS out of liveness
    assert.doesNotMatch((await ca.request('GET', '/livez?verbose')).body.toString(), /kms/);
  });

  test('plugin killed: kms-providers fails, writes coast on the cached seed, a fresh replica cannot read', async () => {
    await plugin!.kill();
    await eventually('readyz to fail', async () => {
      const r = await ca.request('GET', '/readyz?verbose');
      return r.status === 500 && /\[-\]kms-providers failed/.test(r.body.toString()) ? true : undefined;
    });
    const hz = await ca.request('GET', '/healthz');
    assert.equal(hz.status, 500);
    assert.equal((await ca.request('GET', '/livez')).status, 200);
    // the seed was encrypted while the plugin was up: writes and cached reads go on
    assert.equal(await create(ca, 's2'), 201);
    assert.equal((await read(ca, 's1')).status, 200);
    // a replica that never reached the plugin has no state: its reads fail with a Status, it does not crash
    b = await startReplica('b');
    const cb = new ApiClient(b.kubeconfig);
    const r = await read(cb, 's1');
    assert.equal(r.status, 500);
    assert.equal(r.body.reason, 'InternalError');
    assert.match(String(r.body.message), /^Internal error occurred: /);
    assert.equal(await create(cb, 's-b-down'), 500);
    assert.equal(b.child.exitCode, null);
  });

  test('plugin restarted: readyz recovers, the fresh replica decrypts the DEK seed through the plugin', async () => {
    plugin = await startPlugin(socket(), keyFile());
    await eventually('readyz to recover', async () =>
      (await ca.request('GET', '/readyz')).status === 200 ? true : undefined,
    );
    const cb = new ApiClient(b!.kubeconfig);
    const got = await eventually('replica b to read s1', async () => {
      const r = await read(cb, 's1');
      return r.status === 200 ? r : undefined;
    });
    assert.deepEqual(got.body.data, { v: b64(`${VALUE}-s1`) });
    assert.deepEqual((await read(cb, 's2')).body.data, { v: b64(`${VALUE}-s2`) });
    assert.equal(await create(cb, 's3'), 201);
    assert.deepEqual((await read(ca, 's3')).body.data, { v: b64(`${VALUE}-s3`) });
  });

  test('a new key at the plugin is picked up from Status; kubectl replace re-encrypts under it', async () => {
    const oldKeyId = plugin!.keyId;
    await plugin!.kill();
    writeFileSync(keyFile(), randomBytes(32).toString('base64'));
    plugin = await startPlugin(socket(), keyFile());
    assert.notEqual(plugin.keyId, oldKeyId);
    // each replica notices on its next Status (health checks ask at most every 20 s)
    let n = 0;
    await eventually(
      'writes under the new key',
      async () => {
        await ca.request('GET', '/readyz');
        const name = `rot-${n++}`;
        assert.equal(await create(ca, name), 201);
        return (await raw(name)).toString('latin1').includes(plugin!.keyId) ? true : undefined;
      },
      60_000,
    );
    // replica a cached the old seed, so it still reads old values, and marks them stale
    const all = await kubectlOk(a!.kubeconfig, ['get', 'secrets', '-n', NS, '-o', 'json']);
    await kubectlOk(a!.kubeconfig, ['replace', '-f', '-'], all);
    for (const name of ['s1', 's2', 's3']) {
      const s = (await raw(name)).toString('latin1');
      assert.ok(s.includes(plugin.keyId), `${name} re-encrypted under the new key`);
      assert.ok(!s.includes(oldKeyId), `${name} no longer under the old key`);
    }
  });
});
