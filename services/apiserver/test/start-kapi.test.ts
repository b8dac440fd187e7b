import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { startKapi, type KapiTestServer } from 'kapi-repo/testing';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './helpers/replica';

// ---- README.md's example, as it is printed there ----

let kapi: KapiTestServer;
let kc: KubeConfig;
before(async () => {
  kapi = await startKapi();
  kc = new KubeConfig();
  kc.loadFromString(kapi.kubeconfigText);
});
after(() => kapi.stop());

test('a ConfigMap is created and watched', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const seen = new Promise<V1ConfigMap>((resolve) => {
    void new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      {},
      (type: string, obj: V1ConfigMap) => {
        if (type === 'ADDED' && obj.metadata?.name === 'demo') resolve(obj);
      },
      () => undefined,
    );
  });
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'demo' }, data: { greeting: 'hello' } },
  });
  assert.deepEqual((await seen).data, { greeting: 'hello' });
});

// ---- what the example relies on ----

/** Resolves true when something accepts a connection on the loopback port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function livez(server: string, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(`${server}/livez`, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// runs after the example's own after(): its stop() left nothing behind
after(async () => {
  assert.equal(existsSync(kapi.dataDir), false, 'the data dir is removed');
  assert.equal(await portOpen(kapi.port), false, 'the port is closed');
});

test("README.md's example is this file's, line for line", () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing controllers'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example, 'the README has a ts example under "Testing controllers"');
  const source = readFileSync(path.join(REPO_ROOT, 'services/apiserver/test/start-kapi.test.ts'), 'utf8');
  assert.ok(source.includes(example.split('\n').slice(4).join('\n')), 'the example body is this file');
  for (const line of example.split('\n').slice(0, 4)) assert.ok(source.includes(line), `imports: ${line}`);
});

test('the server hands back what a client needs: URL, kubeconfig file and text, CA', async () => {
  assert.match(kapi.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(kapi.server, `https://127.0.0.1:${kapi.port}`);
  assert.equal(readFileSync(kapi.kubeconfig, 'utf8'), kapi.kubeconfigText);
  assert.ok(kapi.kubeconfig.startsWith(kapi.dataDir));
  assert.match(kapi.ca, /^-----BEGIN CERTIFICATE-----/);
  assert.equal(kapi.pid, process.pid);
  // the CA alone verifies the serving certificate, which the default trust store does not
  assert.equal(await livez(kapi.server, kapi.ca), 'ok');
  await assert.rejects(livez(kapi.server, undefined), /self-signed|unable to verify|certificate/);
  const fromFile = new KubeConfig();
  fromFile.loadFromFile(kapi.kubeconfig);
  const namespaces = await fromFile.makeApiClient(CoreV1Api).listNamespace();
  assert.ok(namespaces.items.some((n) => n.metadata?.name === 'kube-system'));
});

test('two servers at once are apart: own port, own store', async () => {
  const other = await startKapi();
  try {
    assert.notEqual(other.port, kapi.port);
    assert.notEqual(other.dataDir, kapi.dataDir);
    const kc2 = new KubeConfig();
    kc2.loadFromString(other.kubeconfigText);
    const core2 = kc2.makeApiClient(CoreV1Api);
    await core2.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'only-here' } } });
    const names = async (k: KubeConfig): Promise<string[]> =>
      (await k.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' })).items.map(
        (c) => c.metadata?.name ?? '',
      );
    assert.ok((await names(kc2)).includes('only-here'));
    assert.ok(!(await names(kc)).includes('only-here'));
  } finally {
    await other.stop();
  }
  assert.equal(existsSync(other.dataDir), false);
  assert.equal(await portOpen(other.port), false);
});

test('child-process mode: a process of its own, gone with its data dir and port after stop()', async (t) => {
  const started = performance.now();
  const child = await startKapi({ mode: 'child-process' });
  t.diagnostic(`startKapi({ mode: 'child-process' }): ${Math.round(performance.now() - started)} ms`);
  assert.notEqual(child.pid, process.pid);
  assert.ok(processAlive(child.pid));
  const kc3 = new KubeConfig();
  kc3.loadFromFile(child.kubeconfig);
  const core = kc3.makeApiClient(CoreV1Api);
  const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } } });
  assert.match(cm.metadata?.resourceVersion ?? '', /^\d+$/);
  await child.stop();
  await child.stop(); // twice is fine
  assert.equal(processAlive(child.pid), false, 'the child exited');
  assert.equal(existsSync(child.dataDir), false);
  assert.equal(await portOpen(child.port), false);
});

test('start time is measured and reported (figures in BENCHMARKS.md)', async (t) => {
  // a warm start: this process has loaded kapi and holds a PKI seed
  const started = performance.now();
  const warm = await startKapi();
  const ms = performance.now() - started;
  await warm.stop();
  t.diagnostic(`startKapi() warm, in-process: ${Math.round(ms)} ms`);
  // generous: other work shares this machine; BENCHMARKS.md has the measured figure
  assert.ok(ms < 5000, `started in ${Math.round(ms)} ms`);
});

test("a failed start rejects with kapi's reason", async () => {
  await assert.rejects(startKapi({ args: ['--storage-backend=nonsense'] }), /storage-backend/);
});
