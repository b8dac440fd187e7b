import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { parse as parseYaml } from 'yaml';
import { ensurePki, writeKubeconfig, type Pki } from '../src/certs';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// One PKI shared by replicas through --tls-cert-file, --tls-private-key-file,
// --client-ca-file and --cert-dir: the same serving certificate everywhere, one
// admin certificate and one kubeconfig good for every replica.

let shared: string;
let pki: Pki;
let etcd: RunningEtcd;
const replicas: ReplicaProcess[] = [];

function sharedArgs(): string[] {
  return [
    '--storage-backend=etcd3',
    `--etcd-servers=${etcd.endpoint}`,
    `--tls-cert-file=${pki.paths.servingCert}`,
    `--tls-private-key-file=${pki.paths.servingKey}`,
    `--client-ca-file=${pki.paths.caCert}`,
  ];
}

async function start(args: string[]): Promise<ReplicaProcess> {
  const r = await startReplicaProcess({ args });
  replicas.push(r);
  return r;
}

function peerFingerprint(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), ca: pki.caCertPem, servername: 'localhost' });
    socket.once('secureConnect', () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.once('error', reject);
  });
}

function getWith(url: string, opts: https.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ...opts, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

interface KubeconfigUser {
  users: Array<{ user: Record<string, string> }>;
  clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
}

before(async () => {
  shared = mkdtempSync(path.join(os.tmpdir(), 'kapi-shared-pki-'));
  pki = await ensurePki(shared, { hosts: [] });
  etcd = await startEtcd();
});

after(async () => {
  for (const r of replicas) await r.cleanup();
  await etcd?.stop();
  rmSync(shared, { recursive: true, force: true });
});

test('replicas given the same files serve one certificate and accept one admin certificate', async () => {
  const servingBefore = readFileSync(pki.paths.servingCert, 'utf8');
  const a = await start([...sharedArgs(), `--cert-dir=${pki.paths.dir}`]);
  const b = await start([...sharedArgs(), `--cert-dir=${pki.paths.dir}`]);
  assert.equal(readFileSync(pki.paths.servingCert, 'utf8'), servingBefore, 'the serving file is not rewritten');

  const expected = new X509Certificate(pki.servingCertPem).fingerprint256;
  assert.equal(await peerFingerprint(a.url), expected);
  assert.equal(await peerFingerprint(b.url), expected);

  // the kubeconfig carries the shared CA and the admin pair kept in --cert-dir
  const kc = parseYaml(readFileSync(a.kubeconfig, 'utf8')) as KubeconfigUser;
  const fingerprint = (pem: string | Buffer): string => new X509Certificate(pem).fingerprint256;
  const fromKubeconfig = (b64: string): Buffer => Buffer.from(b64, 'base64');
  assert.equal(
    fingerprint(fromKubeconfig(kc.clusters[0].cluster['certificate-authority-data'])),
    fingerprint(pki.caCertPem),
  );
  assert.equal(
    fingerprint(fromKubeconfig(kc.users[0].user['client-certificate-data'])),
    fingerprint(pki.adminCertPem),
    'the admin certificate in --cert-dir is reused',
  );

  // the admin certificate talks to both replicas
  for (const r of [a, b]) {
    const status = await getWith(`${r.url}/api/v1/namespaces`, {
      ca: pki.caCertPem,
      cert: pki.adminCertPem,
      key: pki.adminKeyPem,
    });
    assert.equal(status, 200);
  }

  // one kubeconfig, either replica
  await kubectlOk(a.kubeconfig, ['create', 'namespace', 'shared-pki']);
  const viaB = await kubectlOk(a.kubeconfig, [`--server=${b.url}`, 'get', 'namespace', 'shared-pki', '-o', 'name']);
  assert.equal(viaB.trim(), 'namespace/shared-pki');
  const clientB = new ApiClient(b.kubeconfig);
  try {
    const r = await clientB.request('GET', '/api/v1/namespaces/shared-pki');
    assert.equal(r.status, 200);
  } finally {
    clientB.close();
  }
});

test('without the CA key no kubeconfig is written, and clients with or without the admin certificate are served', async () => {
  // --cert-dir defaults to <data-dir>/pki, which holds no CA key here
  const c = await start(sharedArgs());
  assert.match(c.output(), /no CA key in .* matching the client CA/);
  assert.match(c.output(), /kubeconfig: none/);
  assert.ok(!existsSync(path.join(c.dataDir, 'admin.kubeconfig')));
  assert.ok(!existsSync(path.join(c.dataDir, 'pki', 'apiserver.crt')), 'nothing is generated when files are given');
  assert.equal(await peerFingerprint(c.url), new X509Certificate(pki.servingCertPem).fingerprint256);

  // a kubeconfig made from the shared PKI works against it
  const kubeconfig = path.join(c.dataDir, 'shared.kubeconfig');
  await writeKubeconfig(kubeconfig, {
    server: c.url,
    caPem: pki.caCertPem,
    clientCertPem: pki.adminCertPem,
    clientKeyPem: pki.adminKeyPem,
  });
  const out = await kubectlOk(kubeconfig, ['get', 'namespace', 'default', '-o', 'name']);
  assert.equal(out.trim(), 'namespace/default');
  // a client without a certificate is anonymous: the public info endpoints, nothing else
  assert.equal(await getWith(`${c.url}/api/v1/namespaces`, { ca: pki.caCertPem }), 403);
  assert.equal(await getWith(`${c.url}/version`, { ca: pki.caCertPem }), 200);
});

test('--cert-dir is where generated certificates go', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-cert-dir-'));
  try {
    const d = await start([`--cert-dir=${dir}`]);
    for (const f of ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key']) {
      assert.ok(existsSync(path.join(dir, f)), `${f} missing from --cert-dir`);
    }
    assert.ok(!existsSync(path.join(d.dataDir, 'pki')), '<data-dir>/pki is not used');
    const served = await new Promise<string>((resolve, reject) => {
      const u = new URL(d.url);
      const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
        const fp = s.getPeerCertificate().fingerprint256;
        s.end();
        resolve(fp);
      });
      s.once('error', reject);
    });
    assert.equal(served, new X509Certificate(readFileSync(path.join(dir, 'apiserver.crt'))).fingerprint256);
    await kubectlOk(d.kubeconfig, ['get', 'namespaces']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
