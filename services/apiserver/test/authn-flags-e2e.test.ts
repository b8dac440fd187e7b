import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import { makeCert, type TestCert } from './authn-helpers';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface Who {
  cert?: TestCert;
  headers?: Record<string, string>;
}

/** POST a SelfSubjectReview: who the replica thinks is asking, or the HTTP status when it refuses. */
function whoami(
  url: string,
  who: Who = {},
): Promise<{ status: number; user?: { username: string; groups?: string[]; extra?: Record<string, string[]> } }> {
  const u = new URL(url);
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: Number(u.port),
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        headers: { 'content-type': 'application/json', 'content-length': body.length, ...(who.headers ?? {}) },
        cert: who.cert?.certPem,
        key: who.cert?.keyPem,
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const parsed = JSON.parse(text) as { status?: { userInfo?: { username: string; groups?: string[] } } };
          resolve({ status: res.statusCode ?? 0, user: parsed.status?.userInfo });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('authenticators from kube-apiserver flags, end to end', () => {
  let dir: string;
  let replica: ReplicaProcess;
  let issuerServer: https.Server;
  let issuerUrl: string;
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let proxy: TestCert;
  let stranger: TestCert;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-authn-flags-'));
    // a test OIDC issuer on loopback, with its own CA
    const ca = makeCert({ cn: 'oidc-ca', ca: true });
    const serving = makeCert({ cn: '127.0.0.1', issuer: ca, eku: 'serverAuth', ipSans: ['127.0.0.1'] });
    issuerServer = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/idp/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer: issuerUrl, jwks_uri: `${issuerUrl}/keys` }));
      } else if (req.url === '/idp/keys') {
        void exportJWK(signing.publicKey).then((jwk) =>
          res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'k1', use: 'sig', alg: 'RS256' }] })),
        );
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
    issuerUrl = `https://127.0.0.1:${(issuerServer.address() as AddressInfo).port}/idp`;
    const authnConfig = path.join(dir, 'authn.yaml');
    writeFileSync(
      authnConfig,
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1beta1',
        kind: 'AuthenticationConfiguration',
        jwt: [
          {
            issuer: { url: issuerUrl, audiences: ['kapi-test'], certificateAuthority: ca.certPem },
            claimMappings: {
              username: { claim: 'sub', prefix: 'oidc:' },
              groups: { claim: 'groups', prefix: 'oidc:' },
            },
            claimValidationRules: [{ expression: "claims.team == 'blue'", message: 'only the blue team' }],
          },
        ],
      }),
    );
    const tokens = path.join(dir, 'tokens.csv');
    writeFileSync(tokens, 'static-token-1,alice,uid-alice,"devs,ops"\n');
    const proxyCa = makeCert({ cn: 'front-proxy-ca', ca: true });
    proxy = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
    stranger = makeCert({ cn: 'someone-else', issuer: proxyCa });
    const proxyCaFile = path.join(dir, 'front-proxy-ca.crt');
    writeFileSync(proxyCaFile, proxyCa.certPem);
    replica = await startReplicaProcess({
      args: [
        `--token-auth-file=${tokens}`,
        `--authentication-config=${authnConfig}`,
        `--requestheader-client-ca-file=${proxyCaFile}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        '--anonymous-auth=false',
      ],
    });
  });

  after(async () => {
    await replica?.cleanup();
    issuerServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const oidcToken = (claims: Record<string, unknown>, exp = 600): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuerUrl, aud: 'kapi-test', sub: 'dana', iat: now, exp: now + exp, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(signing.privateKey);
  };

  test('--anonymous-auth=false: no credentials is 401, even for /healthz', async () => {
    assert.equal((await whoami(replica.url)).status, 401);
  });

  test('--token-auth-file: the CSV user with its groups', async () => {
    const r = await whoami(replica.url, { headers: { authorization: 'Bearer static-token-1' } });
    assert.equal(r.status, 201);
    assert.equal(r.user?.username, 'alice');
    assert.deepEqual(r.user?.groups, ['devs', 'ops', 'system:authenticated']);
    assert.equal((await whoami(replica.url, { headers: { authorization: 'Bearer static-token-2' } })).status, 401);
  });

  test('--authentication-config: an OIDC token from the test issuer, with claim mapping and CEL validation', async () => {
    const good = await whoami(replica.url, {
      headers: { authorization: `Bearer ${await oidcToken({ groups: ['admins'], team: 'blue' })}` },
    });
    assert.equal(good.status, 201);
    assert.equal(good.user?.username, 'oidc:dana');
    assert.deepEqual(good.user?.groups, ['oidc:admins', 'system:authenticated']);
    const red = await whoami(replica.url, { headers: { authorization: `Bearer ${await oidcToken({ team: 'red' })}` } });
    assert.equal(red.status, 401, 'claim validation rule refuses it');
    const expired = await whoami(replica.url, {
      headers: { authorization: `Bearer ${await oidcToken({ team: 'blue' }, -120)}` },
    });
    assert.equal(expired.status, 401);
    const wrongAud = await new SignJWT({
      iss: issuerUrl,
      aud: 'other',
      sub: 'dana',
      team: 'blue',
      exp: Math.floor(Date.now() / 1000) + 600,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(signing.privateKey);
    assert.equal((await whoami(replica.url, { headers: { authorization: `Bearer ${wrongAud}` } })).status, 401);
  });

  test('--requestheader-*: a front proxy with an allowed certificate names the user; others are refused', async () => {
    const headers = { 'x-remote-user': 'carol', 'x-remote-group': 'proxied', 'x-remote-extra-scopes': 'read' };
    const r = await whoami(replica.url, { cert: proxy, headers });
    assert.equal(r.status, 201);
    assert.equal(r.user?.username, 'carol');
    assert.deepEqual(r.user?.groups, ['proxied', 'system:authenticated']);
    assert.deepEqual(r.user?.extra, { scopes: ['read'] });
    // a certificate from the proxy CA with a name not allowed, and headers without any certificate
    assert.equal((await whoami(replica.url, { cert: stranger, headers })).status, 401);
    assert.equal((await whoami(replica.url, { headers })).status, 401);
  });
});
