import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/** A key and a PEM CSR made by openssl, as a user would make them. */
function opensslCsr(dir: string, name: string, subject: string): { keyPem: string; csrPem: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  execFileSync(
    'openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      keyFile,
      '-out',
      csrFile,
      '-subj',
      subject,
    ]),
    { stdio: 'ignore' },
  );
  return { keyPem: readFileSync(keyFile, 'utf8'), csrPem: readFileSync(csrFile, 'utf8') };
}

function csrManifest(name: string, csrPem: string, signerName: string, usages: string[], extra = ''): string {
  return `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${name}
spec:
  request: ${Buffer.from(csrPem).toString('base64')}
  signerName: ${signerName}
  usages: [${usages.map((u) => JSON.stringify(u)).join(', ')}]
${extra}`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('certificates.k8s.io with kubectl', () => {
  let replica: ReplicaProcess | undefined;
  let dir = '';
  const kc = (): string => replica?.kubeconfig ?? '';
  before(async () => {
    replica = await startReplicaProcess();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-csr-'));
  });
  after(async () => {
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('create, approve, sign, and the certificate authenticates with its CN and O', async () => {
    const { keyPem, csrPem } = opensslCsr(dir, 'alice', '/O=devs/O=ops/CN=alice');
    const manifest = csrManifest(
      'alice',
      csrPem,
      'kubernetes.io/kube-apiserver-client',
      ['client auth'],
      '  expirationSeconds: 3600\n',
    );
    await kubectlOk(kc(), ['create', '-f', '-'], manifest);
    const created = JSON.parse(await kubectlOk(kc(), ['get', 'csr', 'alice', '-o', 'json'])) as {
      spec: { username: string; groups: string[] };
    };
    assert.equal(created.spec.username, 'kubernetes-admin');
    assert.ok(created.spec.groups.includes('system:masters'));
    const pending = await kubectlOk(kc(), ['get', 'csr', 'alice']);
    assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION$/m);
    assert.match(pending, /^alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+60m\s+Pending$/m);

    const approved = await kubectlOk(kc(), ['certificate', 'approve', 'alice']);
    assert.match(approved, /certificatesigningrequest.certificates.k8s.io\/alice approved/);
    const certB64 = await waitFor('status.certificate', async () => {
      const out = await kubectlOk(kc(), ['get', 'csr', 'alice', '-o', 'jsonpath={.status.certificate}']);
      return out.trim() || undefined;
    });
    assert.match(await kubectlOk(kc(), ['get', 'csr', 'alice']), /^alice\s.*Approved,Issued$/m);

    const cfg = parseYaml(await kubectlOk(kc(), ['config', 'view', '--raw', '--minify'])) as {
      users: Array<{ user: Record<string, string> }>;
    };
    cfg.users[0].user = {
      'client-certificate-data': certB64,
      'client-key-data': Buffer.from(keyPem).toString('base64'),
    };
    const aliceConfig = path.join(dir, 'alice.kubeconfig');
    writeFileSync(aliceConfig, stringifyYaml(cfg));
    const whoami = JSON.parse(await kubectlOk(aliceConfig, ['auth', 'whoami', '-o', 'json'])) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    assert.equal(whoami.status.userInfo.username, 'alice');
    assert.deepEqual(whoami.status.userInfo.groups, ['devs', 'ops', 'system:authenticated']);
  });

  test('deny, and approval conditions are exclusive and cannot be removed', async () => {
    const { csrPem } = opensslCsr(dir, 'bob', '/CN=bob');
    await kubectlOk(
      kc(),
      ['create', '-f', '-'],
      csrManifest('bob', csrPem, 'kubernetes.io/kube-apiserver-client', ['client auth']),
    );
    assert.match(
      await kubectlOk(kc(), ['certificate', 'deny', 'bob']),
      /certificatesigningrequest.certificates.k8s.io\/bob denied/,
    );
    assert.match(await kubectlOk(kc(), ['get', 'csr', 'bob']), /^bob\s.*\sDenied$/m);
    // kubectl itself refuses to approve a denied request, so the PUT is sent raw
    const again = await kubectl(kc(), ['certificate', 'approve', 'bob']);
    assert.match(again.stderr, /already Denied/);
    const csr = JSON.parse(await kubectlOk(kc(), ['get', 'csr', 'bob', '-o', 'json'])) as {
      status: { conditions: object[] };
    };
    const approvalUrl = '/apis/certificates.k8s.io/v1/certificatesigningrequests/bob/approval';
    const withApproved = {
      ...csr,
      status: { conditions: [...csr.status.conditions, { type: 'Approved', status: 'True' }] },
    };
    const both = await kubectl(kc(), ['replace', '--raw', approvalUrl, '-f', '-'], JSON.stringify(withApproved));
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /Approved and Denied conditions are mutually exclusive/);
    const removed = await kubectl(
      kc(),
      ['replace', '--raw', approvalUrl, '-f', '-'],
      JSON.stringify({ ...csr, status: {} }),
    );
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /status\.conditions: Forbidden: updates may not remove a condition of type "Denied"/);
  });

  test('a request that breaks its signer rules is Failed, not signed', async () => {
    const { csrPem } = opensslCsr(dir, 'node', '/O=devs/CN=system:node:n1');
    const manifest = csrManifest('kubelet-bad', csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', [
      'digital signature',
      'client auth',
    ]);
    await kubectlOk(kc(), ['create', '-f', '-'], manifest);
    await kubectlOk(kc(), ['certificate', 'approve', 'kubelet-bad']);
    const failed = await waitFor('the Failed condition', async () => {
      const out = JSON.parse(await kubectlOk(kc(), ['get', 'csr', 'kubelet-bad', '-o', 'json'])) as {
        status: { certificate?: string; conditions: Array<{ type: string; reason?: string; message?: string }> };
      };
      return out.status.conditions.find((c) => c.type === 'Failed') ? out : undefined;
    });
    assert.equal(failed.status.certificate, undefined);
    const condition = failed.status.conditions.find((c) => c.type === 'Failed');
    assert.equal(condition?.reason, 'SignerValidationFailure');
    assert.equal(condition?.message, 'subject organization is not system:nodes');
    assert.match(await kubectlOk(kc(), ['get', 'csr', 'kubelet-bad']), /Approved,Failed$/m);
  });

  test('PATCH of /approval runs the approval rules; apply to /status may set the certificate', async () => {
    const { csrPem } = opensslCsr(dir, 'carol', '/CN=carol');
    await kubectlOk(kc(), ['create', '-f', '-'], csrManifest('carol', csrPem, 'example.com/manual', ['client auth']));
    const client = new ApiClient(kc());
    try {
      const url = '/apis/certificates.k8s.io/v1/certificatesigningrequests/carol';
      const merge = { 'content-type': 'application/merge-patch+json' };
      const approve = {
        status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ByPatch', message: 'ok' }] },
      };
      // through the main resource the condition is the approval subresource's and is kept out
      const viaMain = await client.request('PATCH', url, JSON.stringify(approve), merge);
      assert.equal(viaMain.status, 200);
      assert.equal(viaMain.json<{ status?: { conditions?: unknown[] } }>().status?.conditions, undefined);
      const viaApproval = await client.request('PATCH', `${url}/approval`, JSON.stringify(approve), merge);
      assert.equal(viaApproval.status, 200, viaApproval.body.toString());
      const approved = viaApproval.json<{
        status: { conditions: Array<{ type: string; reason: string; lastUpdateTime?: string }> };
        metadata: { managedFields: Array<{ manager: string; subresource?: string }> };
      }>();
      assert.deepEqual(
        approved.status.conditions.map((c) => [c.type, c.reason]),
        [['Approved', 'ByPatch']],
      );
      assert.ok(approved.metadata.managedFields.some((m) => m.subresource === 'approval'));
      // the certificate cannot come through /approval
      const certViaApproval = await client.request(
        'PATCH',
        `${url}/approval`,
        JSON.stringify({ status: { certificate: Buffer.from('x').toString('base64') } }),
        merge,
      );
      assert.equal(certViaApproval.status, 200);
      assert.equal(certViaApproval.json<{ status: { certificate?: string } }>().status.certificate, undefined);
      // a signer applies the certificate through /status, as an external signer would
      const certFile = path.join(dir, 'carol.crt');
      execFileSync(
        'openssl',
        ['req', '-x509', '-key', path.join(dir, 'carol.key'), '-subj', '/CN=carol'].concat([
          '-days',
          '1',
          '-out',
          certFile,
        ]),
      );
      const certificate = readFileSync(certFile);
      const applied = await client.request(
        'PATCH',
        `${url}/status?fieldManager=example-signer`,
        JSON.stringify({
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name: 'carol' },
          spec: { signerName: 'example.com/other' },
          status: { certificate: certificate.toString('base64') },
        }),
        { 'content-type': 'application/apply-patch+yaml' },
      );
      assert.equal(applied.status, 200, applied.body.toString());
      const signed = applied.json<{
        spec: { signerName: string };
        status: { certificate?: string; conditions: Array<{ type: string }> };
      }>();
      assert.equal(signed.status.certificate, certificate.toString('base64'));
      assert.equal(signed.spec.signerName, 'example.com/manual', 'spec is not the status subresource to change');
      assert.deepEqual(
        signed.status.conditions.map((c) => c.type),
        ['Approved'],
      );
    } finally {
      client.close();
    }
  });

  test('a request that is not a CSR is refused with its field path', async () => {
    const bad = csrManifest('garbage', 'not a pem', 'example.com/x', ['client auth'], '  expirationSeconds: 60\n');
    const r = await kubectl(kc(), ['create', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/);
    assert.match(
      r.stderr,
      /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds/,
    );
  });
});
