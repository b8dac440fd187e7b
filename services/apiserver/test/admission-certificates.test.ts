import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { certificateApproval } from '../src/admission/plugins/certificate-approval';
import { certificateSigning } from '../src/admission/plugins/certificate-signing';
import { certificateSubjectRestriction } from '../src/admission/plugins/certificate-subject-restriction';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import type { Attributes, Authorizer } from '../src/authz/types';
import { certificatesigningrequests } from '../src/registry/kinds/certificates.k8s.io/certificatesigningrequests';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';

const user = (name: string): UserInfo => ({ name, groups: ['system:authenticated'] });

/** Allows `user verb name` triples on signers, everything else; records every signers question. */
class SignerGrants implements Authorizer {
  readonly asked: Array<Pick<Attributes, 'verb' | 'apiGroup' | 'apiVersion' | 'resource' | 'name'> & { user: string }> =
    [];
  constructor(private readonly grants: Set<string>) {}
  authorize(a: Attributes): { decision: 'allow' | 'deny' | 'noOpinion'; reason: string } {
    if (a.resource !== 'signers') return { decision: 'allow', reason: '' };
    const { verb, apiGroup, apiVersion, resource, name } = a;
    this.asked.push({ user: a.user.name, verb, apiGroup, apiVersion, resource, name });
    return { decision: this.grants.has(`${a.user.name} ${verb} ${name}`) ? 'allow' : 'noOpinion', reason: '' };
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

describe('CertificateApproval, CertificateSigning, CertificateSubjectRestriction over real stores', () => {
  let s: AdmissionStores;
  let dir: string;
  let authz: SignerGrants;
  const pems = new Map<string, string>();

  const csrPem = (subject: string): string => {
    const cached = pems.get(subject);
    if (cached) return cached;
    const file = path.join(dir, `${pems.size}.csr`);
    openssl(['req', '-new', ...ecKey, '-keyout', `${file}.key`, '-out', file, '-subj', subject]);
    const pem = readFileSync(file, 'utf8');
    pems.set(subject, pem);
    return pem;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-csradm-'));
    authz = new SignerGrants(
      new Set([
        'admin approve example.com/foo',
        'carol approve example.com/*',
        'signer sign example.com/foo',
        'wildsigner sign example.com/*',
      ]),
    );
    s = await admissionStores({
      kinds: [certificatesigningrequests],
      plugins: [certificateApproval, certificateSigning, certificateSubjectRestriction],
      authorizer: authz,
    });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    authz.asked.length = 0;
  });

  const csrs = () => s.store('certificates.k8s.io', 'certificatesigningrequests');
  const csr = (name: string, subject: string, signerName: string): KubeObject => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(csrPem(subject)).toString('base64'),
      signerName,
      usages: ['client auth'],
    },
  });

  async function refusal(p: Promise<unknown>): Promise<StatusError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof StatusError) return e;
      throw e;
    }
    throw new Error('the write was admitted');
  }

  const approve = (name: string, who: string) =>
    csrs().updateWith(
      '',
      name,
      (cur) => {
        const status = (cur.status as { conditions?: unknown[] } | undefined) ?? {};
        const conditions = [...(status.conditions ?? []), { type: 'Approved', status: 'True', reason: 'Test' }];
        return { ...cur, status: { ...status, conditions } };
      },
      { subresource: 'approval', user: user(who) },
    );

  test('the API server client signer refuses system:masters; other organizations and signers pass', async () => {
    const err = await refusal(
      csrs().create('', csr('masters', '/O=system:masters/CN=eve', 'kubernetes.io/kube-apiserver-client'), {
        user: user('eve'),
      }),
    );
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(
      err.message,
      'certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    );
    assert.deepEqual(err.details, {
      group: 'certificates.k8s.io',
      kind: 'certificatesigningrequests',
      name: 'masters',
    });
    await assert.rejects(csrs().get('', 'masters'), /not found/);
    // system:masters among other organizations is refused too
    const mixed = await refusal(
      csrs().create('', csr('mixed', '/O=devs/O=system:masters/CN=eve', 'kubernetes.io/kube-apiserver-client'), {
        user: user('eve'),
      }),
    );
    assert.match(mixed.message, /with system:masters group is not allowed$/);
    await csrs().create('', csr('devs', '/O=devs/CN=eve', 'kubernetes.io/kube-apiserver-client'), {
      user: user('eve'),
    });
    await csrs().create('', csr('other-signer', '/O=system:masters/CN=eve', 'example.com/foo'), {
      user: user('eve'),
    });
  });

  test('approval takes approve on the signer, by name or by its domain/*', async () => {
    await csrs().create('', csr('a1', '/CN=a1', 'example.com/foo'), { user: user('eve') });
    const err = await refusal(approve('a1', 'bob'));
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'certificatesigningrequests.certificates.k8s.io "a1" is forbidden: user not permitted to approve requests with signerName "example.com/foo"',
    );
    assert.deepEqual(err.details, { group: 'certificates.k8s.io', kind: 'certificatesigningrequests', name: 'a1' });
    const signersQuestion = { verb: 'approve', apiGroup: 'certificates.k8s.io', apiVersion: '*', resource: 'signers' };
    assert.deepEqual(authz.asked, [
      { user: 'bob', ...signersQuestion, name: 'example.com/foo' },
      { user: 'bob', ...signersQuestion, name: 'example.com/*' },
    ]);
    const stillPending = (await csrs().get('', 'a1')).status as { conditions?: unknown[] } | undefined;
    assert.equal(stillPending?.conditions, undefined);

    authz.asked.length = 0;
    await approve('a1', 'admin');
    assert.deepEqual(authz.asked, [{ user: 'admin', ...signersQuestion, name: 'example.com/foo' }]);
    await csrs().create('', csr('a2', '/CN=a2', 'example.com/bar'), { user: user('eve') });
    await approve('a2', 'carol');
    const approved = (await csrs().get('', 'a2')).status as { conditions: Array<{ type: string }> };
    assert.deepEqual(
      approved.conditions.map((c) => c.type),
      ['Approved'],
    );
    // a plain update of the CSR is no approval
    const cur = await csrs().get('', 'a2');
    await csrs().update('', 'a2', { ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } } }, { user: user('bob') });
  });

  test('writing status.certificate takes sign on the signer; other status changes do not', async () => {
    await csrs().create('', csr('s1', '/CN=s1', 'example.com/foo'), { user: user('eve') });
    await approve('s1', 'admin');
    const certFile = path.join(dir, 'issued.crt');
    openssl([
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      `${certFile}.key`,
      '-out',
      certFile,
      '-subj',
      '/CN=s1',
      '-days',
      '1',
    ]);
    const certificate = Buffer.from(readFileSync(certFile, 'utf8')).toString('base64');
    const withStatus = async (change: (status: Record<string, unknown>) => void): Promise<KubeObject> => {
      const cur = await csrs().get('', 's1');
      const status = { ...((cur.status as Record<string, unknown>) ?? {}) };
      change(status);
      return { ...cur, status };
    };

    // a condition of the signer's own is no signing
    authz.asked.length = 0;
    await csrs().updateStatus(
      '',
      's1',
      await withStatus((st) => {
        st.conditions = [...(st.conditions as unknown[]), { type: 'Progress', status: 'True', reason: 'Queued' }];
      }),
      { user: user('bob') },
    );
    assert.equal(authz.asked.length, 0);

    const err = await refusal(
      csrs().updateStatus(
        '',
        's1',
        await withStatus((st) => {
          st.certificate = certificate;
        }),
        { user: user('bob') },
      ),
    );
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'certificatesigningrequests.certificates.k8s.io "s1" is forbidden: user not permitted to sign requests with signerName "example.com/foo"',
    );
    assert.deepEqual(
      authz.asked.map((q) => [q.verb, q.resource, q.name]),
      [
        ['sign', 'signers', 'example.com/foo'],
        ['sign', 'signers', 'example.com/*'],
      ],
    );
    assert.equal(((await csrs().get('', 's1')).status as { certificate?: string }).certificate, undefined);

    await csrs().updateStatus(
      '',
      's1',
      await withStatus((st) => {
        st.certificate = certificate;
      }),
      { user: user('wildsigner') },
    );
    assert.equal(((await csrs().get('', 's1')).status as { certificate?: string }).certificate, certificate);
  });
});
