import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/** A PEM CSR made by openssl, as a user would make it. */
function opensslCsr(dir: string, name: string, subject: string): string {
  const file = path.join(dir, `${name}.csr`);
  execFileSync(
    'openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      `${file}.key`,
      '-out',
      file,
      '-subj',
      subject,
    ]),
    { stdio: 'ignore' },
  );
  return readFileSync(file, 'utf8');
}

const csrManifest = (name: string, pem: string, signerName: string): string => `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${name}
spec:
  request: ${Buffer.from(pem).toString('base64')}
  signerName: ${signerName}
  usages: ["client auth"]
`;

describe('default-on admission plugins with real kubectl and a real replica', () => {
  let replica: ReplicaProcess | undefined;
  let dir = '';
  const kc = (): string => replica?.kubeconfig ?? '';

  before(async () => {
    replica = await startReplicaProcess();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-admplug-e2e-'));
  });
  after(async () => {
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test('a claim created without a class gets the default StorageClass; "" stays', async () => {
    await kubectlOk(kc(), [
      'apply',
      '-f',
      file(
        'sc.yaml',
        `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: example.com/disk
`,
      ),
    ]);
    const claim = (name: string, extra = ''): string => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
${extra}`;
    await kubectlOk(kc(), ['create', '-f', file('pvc.yaml', claim('data'))]);
    const cls = await kubectlOk(kc(), ['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}']);
    assert.equal(cls, 'standard');
    await kubectlOk(kc(), ['create', '-f', file('pvc-none.yaml', claim('static', '  storageClassName: ""\n'))]);
    const none = await kubectlOk(kc(), ['get', 'pvc', 'static', '-o', 'json']);
    assert.equal((JSON.parse(none) as { spec: { storageClassName?: string } }).spec.storageClassName, '');
  });

  test('an Ingress created without a class gets the default IngressClass', async () => {
    await kubectlOk(kc(), [
      'apply',
      '-f',
      file(
        'ic.yaml',
        `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: example.com/ingress-nginx
`,
      ),
    ]);
    await kubectlOk(kc(), ['create', 'ingress', 'web', '--rule=example.com/=web:80']);
    const cls = await kubectlOk(kc(), ['get', 'ingress', 'web', '-o', 'jsonpath={.spec.ingressClassName}']);
    assert.equal(cls, 'nginx');
  });

  test('kubectl certificate approve needs approve on the signer, not only update on the approval', async () => {
    await kubectlOk(
      kc(),
      ['create', '-f', '-'],
      csrManifest('widget', opensslCsr(dir, 'w', '/CN=w'), 'example.com/widgets'),
    );
    await kubectlOk(kc(), [
      'create',
      'clusterrole',
      'csr-approval-only',
      '--verb=get,list,update',
      '--resource=certificatesigningrequests,certificatesigningrequests/approval',
    ]);
    await kubectlOk(kc(), [
      'create',
      'clusterrolebinding',
      'bob-approval',
      '--clusterrole=csr-approval-only',
      '--user=bob',
    ]);
    const refused = await kubectl(kc(), ['certificate', 'approve', 'widget', '--as=bob']);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(
      refused.stderr,
      /certificatesigningrequests\.certificates\.k8s\.io "widget" is forbidden: user not permitted to approve requests with signerName "example\.com\/widgets"/,
    );
    const pending = await kubectlOk(kc(), ['get', 'csr', 'widget', '-o', 'jsonpath={.status.conditions}']);
    assert.equal(pending, '');

    // cluster-admin may approve for any signer
    await kubectlOk(kc(), ['certificate', 'approve', 'widget']);
    const approved = await kubectlOk(kc(), ['get', 'csr', 'widget', '-o', 'jsonpath={.status.conditions[0].type}']);
    assert.equal(approved, 'Approved');

    // approve on the signer's domain/* is enough
    await kubectlOk(
      kc(),
      ['apply', '-f', '-'],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widget-signers
rules:
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: ["example.com/*"]
  verbs: [approve]
`,
    );
    await kubectlOk(kc(), [
      'create',
      'clusterrolebinding',
      'bob-signers',
      '--clusterrole=widget-signers',
      '--user=bob',
    ]);
    await kubectlOk(
      kc(),
      ['create', '-f', '-'],
      csrManifest('gadget', opensslCsr(dir, 'g', '/CN=g'), 'example.com/gadgets'),
    );
    await kubectlOk(kc(), ['certificate', 'approve', 'gadget', '--as=bob']);
  });

  test('the API server client signer is refused system:masters', async () => {
    const r = await kubectl(
      kc(),
      ['create', '-f', '-'],
      csrManifest('root', opensslCsr(dir, 'r', '/O=system:masters/CN=root'), 'kubernetes.io/kube-apiserver-client'),
    );
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(Forbidden\).*certificatesigningrequests\.certificates\.k8s\.io "root" is forbidden: use of kubernetes\.io\/kube-apiserver-client signer with system:masters group is not allowed/,
    );
  });

  test('a create in a missing namespace is NotFound for the namespace', async () => {
    const r = await kubectl(
      kc(),
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: nowhere\ndata:\n  a: b\n',
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\).*namespaces "nowhere" not found/);
  });
});
