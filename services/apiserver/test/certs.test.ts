import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ensurePki, writeKubeconfig, type Pki } from '../src/certs';
import { normalizeIp } from '../src/certs/addresses';

function sanList(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(/,\s*/);
}

function request(
  pki: Pki,
  port: number,
  host: string,
  withClientCert: boolean,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        path: '/',
        ca: pki.caCertPem,
        ...(withClientCert ? { cert: pki.adminCertPem, key: pki.adminKeyPem } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ensurePki', () => {
  let dataDir: string;
  let pki: Pki;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kapi-certs-'));
    pki = await ensurePki(dataDir, { hosts: ['10.96.0.1', '192.168.7.9', 'api.example.test', '::1', '0.0.0.0'] });
  });
  after(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('creates a self-signed CA named kapi-ca valid for about ten years', () => {
    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.subject, 'CN=kapi-ca');
    assert.equal(ca.issuer, 'CN=kapi-ca');
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey));
    const years = (Date.parse(ca.validTo) - Date.now()) / (365 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `CA lifetime ${years} years`);
    assert.deepEqual(pki.generated, ['ca', 'serving', 'admin']);
  });

  test('serving certificate chains to the CA and carries typed SANs', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const serving = new X509Certificate(pki.servingCertPem);
    assert.equal(serving.subject, 'CN=kapi-apiserver');
    assert.equal(serving.ca, false);
    assert.ok(serving.verify(ca.publicKey));
    assert.ok(serving.checkIssued(ca));
    const sans = sanList(serving);
    for (const expected of [
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'DNS:api.example.test',
      'IP Address:127.0.0.1',
      'IP Address:10.96.0.1',
      'IP Address:192.168.7.9',
    ]) {
      assert.ok(sans.includes(expected), `missing ${expected} in ${serving.subjectAltName}`);
    }
    const ipv6 = sans
      .filter((s) => s.startsWith('IP Address:') && s.includes(':', 11))
      .map((s) => normalizeIp(s.slice(11)));
    assert.deepEqual(ipv6, ['0:0:0:0:0:0:0:1']);
    assert.ok(!sans.some((s) => s === 'IP Address:0.0.0.0'), 'unspecified address must not become a SAN');
    assert.ok(!sans.includes('DNS:127.0.0.1'), 'IPs must not be encoded as DNS names');
    assert.ok(serving.checkIP('10.96.0.1'));
    assert.ok(serving.checkHost('kubernetes.default.svc'));
  });

  test('admin certificate is a system:masters client certificate', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const admin = new X509Certificate(pki.adminCertPem);
    assert.ok(admin.verify(ca.publicKey));
    const subject = admin.subject.split('\n');
    assert.ok(subject.includes('CN=kubernetes-admin'), admin.subject);
    assert.ok(subject.includes('O=system:masters'), admin.subject);
    assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  test('keys are written with mode 0600 and certificates are readable', async () => {
    for (const key of [pki.paths.caKey, pki.paths.servingKey, pki.paths.adminKey]) {
      assert.equal((await fs.stat(key)).mode & 0o777, 0o600, key);
    }
    assert.equal(await fs.readFile(pki.paths.servingCert, 'utf8'), pki.servingCertPem);
    assert.equal(path.dirname(pki.paths.caCert), path.join(dataDir, 'pki'));
  });

  test('a TLS server with the serving certificate authorizes the admin client certificate', async () => {
    const server = https.createServer(
      {
        cert: pki.servingCertPem,
        key: pki.servingKeyPem,
        ca: pki.caCertPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as import('node:tls').TLSSocket;
        const peer = socket.getPeerCertificate();
        res.end(
          JSON.stringify({ authorized: socket.authorized, cn: peer.subject?.CN ?? null, o: peer.subject?.O ?? null }),
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const viaIp = await request(pki, port, '127.0.0.1', true);
      assert.deepEqual(JSON.parse(viaIp.body), { authorized: true, cn: 'kubernetes-admin', o: 'system:masters' });
      const viaName = await request(pki, port, 'localhost', true);
      assert.equal(JSON.parse(viaName.body).authorized, true);
      const anonymous = await request(pki, port, '127.0.0.1', false);
      assert.equal(JSON.parse(anonymous.body).authorized, false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a second start reuses every file unchanged', async () => {
    const before = await fs.readFile(pki.paths.servingCert, 'utf8');
    const again = await ensurePki(dataDir, { hosts: ['192.168.7.9', '10.96.0.1'] });
    assert.deepEqual(again.generated, []);
    assert.equal(again.caCertPem, pki.caCertPem);
    assert.equal(again.servingCertPem, pki.servingCertPem);
    assert.equal(again.servingKeyPem, pki.servingKeyPem);
    assert.equal(again.adminCertPem, pki.adminCertPem);
    assert.equal(await fs.readFile(pki.paths.servingCert, 'utf8'), before);
  });

  test('a new host reissues only the serving certificate, from the same CA', async () => {
    const again = await ensurePki(dataDir, { hosts: ['10.0.0.42'] });
    assert.deepEqual(again.generated, ['serving']);
    assert.equal(again.caCertPem, pki.caCertPem);
    assert.equal(again.adminCertPem, pki.adminCertPem);
    const serving = new X509Certificate(again.servingCertPem);
    assert.ok(sanList(serving).includes('IP Address:10.0.0.42'));
    assert.ok(serving.verify(new X509Certificate(pki.caCertPem).publicKey));
  });

  test('a replaced CA forces new leaf certificates', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kapi-certs-'));
    try {
      const first = await ensurePki(dir, { hosts: [] });
      await fs.rm(first.paths.caCert);
      await fs.rm(first.paths.caKey);
      const second = await ensurePki(dir, { hosts: [] });
      assert.deepEqual(second.generated, ['ca', 'serving', 'admin']);
      assert.ok(new X509Certificate(second.adminCertPem).verify(new X509Certificate(second.caCertPem).publicKey));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeKubeconfig', () => {
  test('embeds the PEMs as base64 data fields and selects the kapi context', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kapi-kubeconfig-'));
    try {
      const file = path.join(dir, 'nested', 'admin.kubeconfig');
      await writeKubeconfig(file, {
        server: 'https://127.0.0.1:6443',
        caPem: 'CA PEM',
        clientCertPem: 'CERT PEM',
        clientKeyPem: 'KEY PEM',
        clusterName: 'kapi',
        userName: 'kapi-admin',
        contextName: 'kapi',
      });
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
      const doc = parseYaml(await fs.readFile(file, 'utf8'));
      assert.equal(doc.apiVersion, 'v1');
      assert.equal(doc.kind, 'Config');
      assert.equal(doc['current-context'], 'kapi');
      assert.deepEqual(doc.clusters, [
        {
          name: 'kapi',
          cluster: {
            server: 'https://127.0.0.1:6443',
            'certificate-authority-data': Buffer.from('CA PEM').toString('base64'),
          },
        },
      ]);
      assert.deepEqual(doc.users, [
        {
          name: 'kapi-admin',
          user: {
            'client-certificate-data': Buffer.from('CERT PEM').toString('base64'),
            'client-key-data': Buffer.from('KEY PEM').toString('base64'),
          },
        },
      ]);
      assert.deepEqual(doc.contexts, [{ name: 'kapi', context: { cluster: 'kapi', user: 'kapi-admin' } }]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
