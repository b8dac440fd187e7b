import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createCa, issueLeaf, type KeyAndCert } from '../src/certs/issue';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface Reply {
  status: number;
  body: string;
  json(): { kind?: string; reason?: string; message?: string; code?: number; status?: Record<string, unknown> };
}

interface Who {
  cert?: KeyAndCert;
  token?: string;
  headers?: Record<string, string>;
}

function call(url: string, method: string, p: string, who: Who = {}, body?: unknown): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...(who.headers ?? {}) };
  if (who.token !== undefined) headers.authorization = `Bearer ${who.token}`;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: Number(u.port),
        method,
        path: p,
        headers,
        rejectUnauthorized: false,
        cert: who.cert?.certPem,
        key: who.cert?.keyPem,
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A client certificate signed by `ca` whose validity ended yesterday. */
function expiredCert(ca: KeyAndCert, cn: string): KeyAndCert {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '0badc0de';
  cert.validity.notBefore = new Date(Date.now() - 10 * 86_400_000);
  cert.validity.notAfter = new Date(Date.now() - 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer(forge.pki.certificateFromPem(ca.certPem).subject.attributes);
  cert.setExtensions([{ name: 'extKeyUsage', clientAuth: true }]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

const until = async (what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('the front hall: authentication and RBAC', () => {
  let replica: ReplicaProcess;
  let url: string;
  let kapiCa: KeyAndCert;
  let admin: string;
  let admin_: string;
  let token: string;
  const kc = (...args: string[]) => kubectlOk(admin_, args);

  before(async () => {
    replica = await startReplicaProcess();
    url = replica.url;
    admin = replica.kubeconfig;
    admin_ = admin;
    const pki = path.join(replica.dataDir, 'pki');
    kapiCa = {
      certPem: readFileSync(path.join(pki, 'ca.crt'), 'utf8'),
      keyPem: readFileSync(path.join(pki, 'ca.key'), 'utf8'),
    };
    await kc('create', 'secret', 'generic', 'top', '--from-literal=password=hunter2');
    await kc('create', 'serviceaccount', 'reader');
    await kc('create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps');
    await kc('create', 'rolebinding', 'cm-reader', '--role=cm-reader', '--serviceaccount=default:reader');
    token = (await kc('create', 'token', 'reader')).trim();
  });

  after(async () => {
    const dir = replica?.dataDir;
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('no credentials: anonymous reaches only the public info endpoints', async () => {
    const s = await call(url, 'GET', '/api/v1/namespaces/default/secrets/top');
    assert.equal(s.status, 403, s.body);
    assert.equal(
      s.json().message,
      'secrets "top" is forbidden: User "system:anonymous" cannot get resource "secrets" in API group "" in the namespace "default"',
    );
    assert.doesNotMatch(s.body, /hunter2|aHVudGVyMg/);
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) {
      assert.equal((await call(url, 'GET', p)).status, 200, p);
    }
    assert.equal((await call(url, 'GET', '/api')).status, 403);
    const del = await call(url, 'DELETE', '/api/v1/namespaces/default');
    assert.equal(del.status, 403);
    assert.equal((await call(url, 'GET', '/api/v1/namespaces/default', { cert: undefined })).status, 403);
  });

  test('invalid credentials are 401, never anonymous', async () => {
    const foreign = createCa('evil-ca');
    const cases: Array<[string, Who]> = [
      [
        'foreign CA',
        {
          cert: issueLeaf(foreign, {
            subject: { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
            usage: 'clientAuth',
          }),
        },
      ],
      ['expired', { cert: expiredCert(kapiCa, 'kubernetes-admin') }],
      ['server-only usage', { cert: issueLeaf(kapiCa, { subject: { commonName: 'mallory' }, usage: 'serverAuth' }) }],
      ['garbage bearer', { token: 'garbage' }],
      ['forged JWT', { token: `${token.split('.').slice(0, 2).join('.')}.AAAA` }],
    ];
    for (const [name, who] of cases) {
      const r = await call(url, 'GET', '/api/v1/namespaces/default/secrets/top', who);
      assert.equal(r.status, 401, `${name}: ${r.body}`);
      assert.equal(r.json().reason, 'Unauthorized');
      assert.equal(r.json().kind, 'Status');
    }
  });

  test("a certificate for bob from kapi's own CA is bob, who may do nothing", async () => {
    const bob = issueLeaf(kapiCa, { subject: { commonName: 'bob', organizations: ['devs'] }, usage: 'clientAuth' });
    const get = await call(url, 'GET', '/api/v1/namespaces/default/secrets/top', { cert: bob });
    assert.equal(get.status, 403);
    assert.match(get.json().message ?? '', /User "bob" cannot get resource "secrets"/);
    const del = await call(url, 'DELETE', '/api/v1/namespaces/default/secrets/top', { cert: bob });
    assert.equal(del.status, 403);
    const review = await call(
      url,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { cert: bob },
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
    );
    assert.equal(review.status, 201, review.body);
    assert.deepEqual(review.json().status, {
      userInfo: { username: 'bob', groups: ['devs', 'system:authenticated'] },
    });
    assert.equal(
      (await call(url, 'GET', '/api/v1/namespaces/default/secrets/top', { cert: kapiCaAdmin() })).status,
      200,
    );
  });

  function kapiCaAdmin(): KeyAndCert {
    return issueLeaf(kapiCa, {
      subject: { commonName: 'root', organizations: ['system:masters'] },
      usage: 'clientAuth',
    });
  }

  test('a ServiceAccount bound to get/list configmaps lists them but cannot delete', async () => {
    const list = await call(url, 'GET', '/api/v1/namespaces/default/configmaps', { token });
    assert.equal(list.status, 200, list.body);
    const del = await call(url, 'DELETE', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', { token });
    assert.equal(del.status, 403);
    assert.equal(
      del.json().message,
      'configmaps "kube-root-ca.crt" is forbidden: User "system:serviceaccount:default:reader" cannot delete resource "configmaps" in API group "" in the namespace "default"',
    );
    const other = await call(url, 'GET', '/api/v1/namespaces/kube-system/configmaps', { token });
    assert.equal(other.status, 403);
    const can = await kubectl(admin, [
      'auth',
      'can-i',
      'delete',
      'configmaps',
      '--as=system:serviceaccount:default:reader',
    ]);
    assert.equal(can.stdout.trim(), 'no');
    const canList = await kubectl(admin, [
      'auth',
      'can-i',
      'list',
      'configmaps',
      '--as=system:serviceaccount:default:reader',
    ]);
    assert.equal(canList.stdout.trim(), 'yes');
  });

  test('kubectl auth can-i --list and whoami with the token', async () => {
    const file = path.join(replica.dataDir, 'sa.kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: k, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
        `users: [{name: sa, user: {token: "${token}"}}]`,
        'contexts: [{name: c, context: {cluster: k, user: sa, namespace: default}}]',
        'current-context: c',
      ].join('\n'),
    );
    const list = await kubectlOk(file, ['auth', 'can-i', '--list']);
    const cm = list.split('\n').find((l) => l.startsWith('configmaps '));
    assert.ok(cm, list);
    assert.match(cm, /\[get list\]/);
    assert.doesNotMatch(list, /^secrets /m);
    const who = await kubectlOk(file, ['auth', 'whoami', '-o', 'json']);
    const status = (JSON.parse(who) as { status: { userInfo: { username: string; groups: string[] } } }).status;
    assert.equal(status.userInfo.username, 'system:serviceaccount:default:reader');
    assert.ok(status.userInfo.groups.includes('system:serviceaccounts:default'));
  });

  test('escalation: granting or binding what you do not hold is refused', async () => {
    await kc('create', 'serviceaccount', 'rbac-writer');
    await kc('create', 'role', 'role-writer', '--verb=create,update,get', '--resource=roles,rolebindings');
    await kc('create', 'rolebinding', 'role-writer', '--role=role-writer', '--serviceaccount=default:rbac-writer');
    const w = (await kc('create', 'token', 'rbac-writer')).trim();
    await until(
      'binding visible',
      async () =>
        (
          await call(url, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/role-writer', {
            token: w,
          })
        ).status === 200,
    );
    const grant = await call(
      url,
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
      { token: w },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'secret-deleter' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }],
      },
    );
    assert.equal(grant.status, 403, grant.body);
    assert.match(grant.json().message ?? '', /is attempting to grant RBAC permissions not currently held/);
    const bind = await call(
      url,
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings',
      { token: w },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'self-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'rbac-writer', namespace: 'default' }],
      },
    );
    assert.equal(bind.status, 403, bind.body);
    // what it holds, it may hand on
    const ok = await call(
      url,
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
      { token: w },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'role-reader' },
        rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }],
      },
    );
    assert.equal(ok.status, 201, ok.body);
  });

  test('impersonation needs the impersonate verb', async () => {
    const asBob = await kubectl(admin, ['get', 'secrets', '--as=bob']);
    assert.notEqual(asBob.code, 0);
    assert.match(asBob.stderr, /User "bob" cannot list resource "secrets"/);
    const r = await call(url, 'GET', '/api/v1/namespaces/default/configmaps', {
      token,
      headers: { 'impersonate-user': 'kubernetes-admin', 'impersonate-group': 'system:masters' },
    });
    assert.equal(r.status, 403);
    assert.match(r.json().message ?? '', /cannot impersonate resource "users" in API group ""/);
  });

  test('TokenReview and SubjectAccessReview answer in status', async () => {
    const root = { cert: kapiCaAdmin() };
    const review = (t: string) =>
      call(url, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', root, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: t },
      });
    const good = await review(token);
    assert.equal(good.status, 201, good.body);
    const st = good.json().status as { authenticated: boolean; user: { username: string } };
    assert.equal(st.authenticated, true);
    assert.equal(st.user.username, 'system:serviceaccount:default:reader');
    const bad = (await review('garbage')).json().status as { authenticated?: boolean; error?: string };
    assert.notEqual(bad.authenticated, true);
    assert.ok(bad.error);
    const sar = async (verb: string) =>
      (
        await call(url, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', root, {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: 'system:serviceaccount:default:reader',
            groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
            resourceAttributes: { namespace: 'default', verb, resource: 'configmaps' },
          },
        })
      ).json().status as { allowed: boolean };
    assert.equal((await sar('list')).allowed, true);
    assert.equal((await sar('delete')).allowed, false);
    const invalid = await call(url, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', root, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { resourceAttributes: { verb: 'get', resource: 'pods' } },
    });
    assert.equal(invalid.status, 422, invalid.body);
    // a review may not be read back: it was never stored
    assert.equal((await call(url, 'GET', '/apis/authorization.k8s.io/v1/subjectaccessreviews', root)).status, 405);
  });

  test('tokens: deleting the ServiceAccount invalidates its token; issuer discovery is served', async () => {
    await kc('create', 'serviceaccount', 'shortlived');
    const t = (await kc('create', 'token', 'shortlived', '--duration=10m')).trim();
    assert.equal((await call(url, 'GET', '/apis', { token: t })).status, 200);
    await kc('delete', 'serviceaccount', 'shortlived');
    // successful token checks are cached for 10 s, as upstream's token cache does
    await until('token refused', async () => (await call(url, 'GET', '/apis', { token: t })).status === 401, 15_000);
    // a token bound to a Secret lives as long as that Secret
    await kc('create', 'secret', 'generic', 'binder', '--from-literal=a=b');
    const bound = (
      await kc('create', 'token', 'reader', '--bound-object-kind=Secret', '--bound-object-name=binder')
    ).trim();
    const claims = JSON.parse(Buffer.from(bound.split('.')[1], 'base64url').toString()) as {
      'kubernetes.io': { secret?: { name: string } };
    };
    assert.equal(claims['kubernetes.io'].secret?.name, 'binder');
    assert.equal((await call(url, 'GET', '/api/v1/namespaces/default/configmaps', { token: bound })).status, 200);
    await kc('delete', 'secret', 'binder');
    await until(
      'bound token refused',
      async () => (await call(url, 'GET', '/apis', { token: bound })).status === 401,
      15_000,
    );
    const missing = await kubectl(admin_, [
      'create',
      'token',
      'reader',
      '--bound-object-kind=Secret',
      '--bound-object-name=nope',
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /secrets "nope" not found/);
    const oidc = await call(url, 'GET', '/.well-known/openid-configuration', { token });
    assert.equal(oidc.status, 200);
    const jwks = await call(url, 'GET', '/openid/v1/jwks', { token });
    assert.equal(jwks.status, 200);
    assert.equal((JSON.parse(jwks.body) as { keys: unknown[] }).keys.length, 1);
    const short = await call(
      url,
      'POST',
      '/api/v1/namespaces/default/serviceaccounts/reader/token',
      { cert: kapiCaAdmin() },
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 60 },
      },
    );
    assert.equal(short.status, 422, short.body);
  });

  test('bounded fuzz of credentials and impersonation headers: every answer is a Status, the replica lives', async () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=+/ :%\\"\'';
    const junk = (len: number): string => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
    const parts = token.split('.');
    const variants = (): Record<string, string> => {
      switch (rand(7)) {
        case 0:
          return { authorization: `Bearer ${junk(rand(300))}` };
        case 1:
          return { authorization: `${junk(rand(10))} ${junk(rand(40))}` };
        case 2:
          return { authorization: `Bearer ${parts[0]}.${junk(rand(200))}.${parts[2]}` };
        case 3:
          return { authorization: `Bearer ${parts[0]}.${parts[1]}.${junk(rand(300))}` };
        case 4:
          return {
            authorization: `Bearer ${token}`,
            'impersonate-user': junk(rand(30)),
            'impersonate-group': junk(rand(30)),
          };
        case 5:
          return {
            'impersonate-user': junk(rand(30)),
            [`impersonate-extra-${junk(5).replace(/[^a-z]/gi, 'x')}`]: junk(10),
          };
        default:
          return { authorization: `Basic ${Buffer.from(junk(20)).toString('base64')}` };
      }
    };
    const started = Date.now();
    let n = 0;
    for (; n < 600 && Date.now() - started < 20_000; n++) {
      const r = await call(url, 'GET', '/api/v1/namespaces/default/configmaps', { headers: variants() });
      assert.ok([401, 403, 400].includes(r.status), `${r.status}: ${r.body}`);
      const body = r.json();
      assert.equal(body.kind, 'Status', r.body);
      assert.equal(body.code, r.status);
    }
    assert.ok(n >= 100, `only ${n} requests in 20 s`);
    assert.equal((await call(url, 'GET', '/readyz')).status, 200);
  });

  test('aggregated ClusterRoles follow their parts; bootstrap reconcile keeps edits and autoupdate=false', async () => {
    await kc('create', 'clusterrole', 'widget-viewer', '--verb=get,list', '--resource=configmaps');
    await kc('label', 'clusterrole', 'widget-viewer', 'rbac.authorization.k8s.io/aggregate-to-view=true');
    await kc('create', 'clusterrole', 'mine', '--verb=get', '--resource=secrets');
    await until('view aggregates widget-viewer', async () => {
      const view = JSON.parse(await kc('get', 'clusterrole', 'view', '-o', 'json')) as {
        rules: Array<{ resources?: string[]; verbs: string[] }>;
      };
      return view.rules.some((r) => r.resources?.includes('configmaps') && r.verbs.includes('get'));
    });
    const admin = JSON.parse(await kc('get', 'clusterrole', 'admin', '-o', 'json')) as { rules: unknown[] };
    assert.ok(admin.rules.length > 10, 'admin aggregates the aggregate-to-admin/edit/view roles');
    // an operator's additions to a bootstrap role survive a restart; autoupdate=false leaves a role alone
    await kc(
      'patch',
      'clusterrole',
      'system:basic-user',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}}]',
    );
    await kc(
      'annotate',
      '--overwrite',
      'clusterrole',
      'system:public-info-viewer',
      'rbac.authorization.kubernetes.io/autoupdate=false',
    );
    await kc(
      'patch',
      'clusterrole',
      'system:public-info-viewer',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/rules","value":[{"nonResourceURLs":["/version"],"verbs":["get"]}]}]',
    );
    await kc('delete', 'clusterrolebinding', 'system:discovery');
    await replica.stop();
    replica = await startReplicaProcess({ dataDir: replica.dataDir });
    url = replica.url;
    admin_ = replica.kubeconfig;
    const basic = JSON.parse(await kubectlOk(admin_, ['get', 'clusterrole', 'system:basic-user', '-o', 'json'])) as {
      rules: Array<{ resources?: string[] }>;
    };
    assert.ok(
      basic.rules.some((r) => r.resources?.includes('pods')),
      'added rule kept',
    );
    assert.ok(
      basic.rules.some((r) => r.resources?.includes('selfsubjectaccessreviews')),
      'default rules still there',
    );
    const piv = JSON.parse(
      await kubectlOk(admin_, ['get', 'clusterrole', 'system:public-info-viewer', '-o', 'json']),
    ) as {
      rules: unknown[];
    };
    assert.equal(piv.rules.length, 1, 'autoupdate=false role untouched');
    assert.equal((await call(url, 'GET', '/healthz')).status, 403, 'anonymous lost /healthz with the edited role');
    await kubectlOk(admin_, ['get', 'clusterrolebinding', 'system:discovery']);
  });

  test('the Python client and client-node work with the ServiceAccount token', async () => {
    const script = [
      'import sys, kubernetes.client as k',
      'c = k.Configuration(); c.host = sys.argv[1]; c.verify_ssl = False',
      "c.api_key = {'authorization': sys.argv[2]}; c.api_key_prefix = {'authorization': 'Bearer'}",
      'api = k.CoreV1Api(k.ApiClient(c))',
      "print(len(api.list_namespaced_config_map('default').items))",
      'try:',
      "    api.delete_namespaced_config_map('kube-root-ca.crt', 'default'); print('deleted')",
      'except k.exceptions.ApiException as e:',
      '    print(e.status)',
    ].join('\n');
    const py = spawnSync('/usr/bin/python3', ['-c', script, url, token], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(py.status, 0, py.stderr);
    const [count, del] = py.stdout.trim().split('\n');
    assert.ok(Number(count) >= 1, py.stdout);
    assert.equal(del, '403');

    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'k', server: url, skipTLSVerify: true }],
      users: [{ name: 'sa', token }],
      contexts: [{ name: 'c', cluster: 'k', user: 'sa' }],
      currentContext: 'c',
    });
    const api = config.makeApiClient(CoreV1Api);
    const cms = await api.listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(cms.items.length >= 1);
    await assert.rejects(
      api.deleteNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' }),
      (e: { code?: number }) => e.code === 403,
    );
  });
});
