import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { AuthenticationError, type AuthnRequest } from '../src/authn/authenticator';
import { buildAuthenticator, reviewToken, type AuthnConfig } from '../src/authn/index';
import { generateServiceAccountSigningKey } from '../src/authn/sa-keys';
import { mintServiceAccountToken } from '../src/authn/sa-token';
import { fakeLookups, makeCert, type TestCert } from './authn-helpers';

const ISSUER = 'https://kubernetes.default.svc';
const signing = generateServiceAccountSigningKey();
let ca: TestCert;
let proxyCa: TestCert;
let clientCert: TestCert;
let proxyCert: TestCert;

before(() => {
  ca = makeCert({ cn: 'ca', ca: true });
  proxyCa = makeCert({ cn: 'proxy-ca', ca: true });
  clientCert = makeCert({ cn: 'alice', orgs: ['dev'], issuer: ca });
  proxyCert = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
});

function config(overrides: Partial<AuthnConfig> = {}): AuthnConfig {
  return {
    clientCAPem: ca.certPem,
    tokenAuthFileCsv: 'static-token,tom,uid-tom,"ops"\nmasters,root,uid-root,"system:masters,system:authenticated"\n',
    serviceAccountPublicKeysPem: [signing.publicKeyPem],
    serviceAccountIssuers: [ISSUER],
    apiAudiences: [],
    requestHeader: {
      clientCAPem: proxyCa.certPem,
      allowedNames: ['front-proxy-client'],
      usernameHeaders: ['x-remote-user'],
      uidHeaders: [],
      groupHeaders: ['x-remote-group'],
      extraHeaderPrefixes: ['x-remote-extra-'],
    },
    anonymous: true,
    ...overrides,
  };
}

function lookups() {
  const f = fakeLookups();
  f.objects.serviceAccounts.set('default/robot', { uid: 'sa-1' });
  return f.lookups;
}

const req = (headers: Record<string, string> = {}, certs: Buffer[] = []): AuthnRequest => ({
  headers,
  peerCertificates: certs,
});
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function saToken(audiences = [ISSUER]) {
  return (
    await mintServiceAccountToken({
      signingKeyPem: signing.privateKeyPem,
      issuer: ISSUER,
      audiences,
      expirationSeconds: 3600,
      namespace: 'default',
      serviceAccount: { name: 'robot', uid: 'sa-1' },
    })
  ).token;
}

describe('buildAuthenticator', () => {
  test('nothing presented: anonymous when enabled, null when not', async () => {
    assert.deepEqual(await buildAuthenticator(config(), lookups()).authenticate(req()), {
      user: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
    assert.equal(await buildAuthenticator(config({ anonymous: false }), lookups()).authenticate(req()), null);
  });

  test('an invalid bearer token is a 401 even with anonymous enabled', async () => {
    await assert.rejects(buildAuthenticator(config(), lookups()).authenticate(req(bearer('nope'))), (err: unknown) => {
      assert.ok(err instanceof AuthenticationError);
      assert.equal(err.message, 'invalid bearer token');
      return true;
    });
  });

  test('an invalid client certificate is a 401 even with anonymous enabled', async () => {
    const foreign = makeCert({ cn: 'mallory', issuer: makeCert({ cn: 'x', ca: true }) });
    await assert.rejects(
      buildAuthenticator(config(), lookups()).authenticate(req({}, [foreign.der])),
      AuthenticationError,
    );
  });

  test('system:authenticated is added once to authenticated users', async () => {
    const auth = buildAuthenticator(config(), lookups());
    assert.deepEqual((await auth.authenticate(req(bearer('static-token'))))?.user.groups, [
      'ops',
      'system:authenticated',
    ]);
    assert.deepEqual((await auth.authenticate(req(bearer('masters'))))?.user.groups, [
      'system:masters',
      'system:authenticated',
    ]);
    assert.deepEqual((await auth.authenticate(req({}, [clientCert.der])))?.user, {
      name: 'alice',
      groups: ['dev', 'system:authenticated'],
    });
    const sa = await auth.authenticate(req(bearer(await saToken())));
    assert.deepEqual(sa?.user.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:default',
      'system:authenticated',
    ]);
    assert.deepEqual(sa?.stripHeaders, ['authorization']);
  });

  test('front proxy comes first, then the client certificate, then the bearer token', async () => {
    const auth = buildAuthenticator(config(), lookups());
    // A proxy certificate with identity headers wins over the token it forwards.
    const proxied = await auth.authenticate(
      req({ 'x-remote-user': 'proxied', ...bearer('static-token') }, [proxyCert.der]),
    );
    assert.equal(proxied?.user.name, 'proxied');
    // A client certificate wins over a bearer token.
    assert.equal((await auth.authenticate(req(bearer('static-token'), [clientCert.der])))?.user.name, 'alice');
  });

  test('first success wins even after an earlier authenticator failed', async () => {
    // The client certificate is not from the front-proxy CA (front proxy fails), but the client CA accepts it.
    const auth = buildAuthenticator(config(), lookups());
    assert.equal((await auth.authenticate(req({}, [clientCert.der])))?.user.name, 'alice');
    // A foreign certificate fails both certificate authenticators, yet a good token still authenticates.
    const foreign = makeCert({ cn: 'mallory', issuer: makeCert({ cn: 'x', ca: true }) });
    assert.equal((await auth.authenticate(req(bearer('static-token'), [foreign.der])))?.user.name, 'tom');
  });

  test('all failures are reported together', async () => {
    const foreign = makeCert({ cn: 'mallory', issuer: makeCert({ cn: 'x', ca: true }) });
    await assert.rejects(buildAuthenticator(config(), lookups()).authenticate(req(bearer('nope'), [foreign.der])), {
      message: '[x509: certificate signed by unknown authority, invalid bearer token]',
    });
  });

  test('api audiences default to the issuers; tokens for other audiences are refused', async () => {
    const auth = buildAuthenticator(config(), lookups());
    await assert.rejects(
      auth.authenticate(req(bearer(await saToken(['vault'])))),
      /token audiences \["vault"\] is invalid/,
    );
    const custom = buildAuthenticator(config({ apiAudiences: ['vault'] }), lookups());
    assert.ok(await custom.authenticate(req(bearer(await saToken(['vault'])))));
  });

  test('anonymous conditions from the authentication config restrict paths', async () => {
    const auth = buildAuthenticator(
      config({
        anonymous: false,
        authenticationConfig: {
          apiVersion: 'apiserver.config.k8s.io/v1beta1',
          kind: 'AuthenticationConfiguration',
          jwt: [],
          anonymous: { enabled: true, conditions: [{ path: '/livez' }] },
        },
      }),
      lookups(),
    );
    assert.equal((await auth.authenticate({ ...req(), path: '/livez' }))?.user.name, 'system:anonymous');
    assert.equal(await auth.authenticate({ ...req(), path: '/api' }), null);
  });

  test('no authenticators configured: only anonymous', async () => {
    const auth = buildAuthenticator(
      { serviceAccountPublicKeysPem: [], serviceAccountIssuers: [], apiAudiences: [], anonymous: true },
      lookups(),
    );
    assert.equal((await auth.authenticate(req(bearer('x'))))?.user.name, 'system:anonymous');
  });
});

describe('reviewToken', () => {
  test('a valid token is authenticated with its user and audiences', async () => {
    const auth = buildAuthenticator(config(), lookups());
    const out = await reviewToken(auth, await saToken(), undefined, [ISSUER]);
    assert.ok(out.kind === 'status' && out.status.user?.extra);
    assert.match(out.status.user.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=[0-9a-f-]{36}$/);
    delete out.status.user.extra;
    assert.deepEqual(out, {
      kind: 'status',
      status: {
        authenticated: true,
        user: {
          username: 'system:serviceaccount:default:robot',
          uid: 'sa-1',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        },
        audiences: [ISSUER],
      },
    });
  });

  test('spec.audiences selects the audience the token must carry', async () => {
    const auth = buildAuthenticator(config(), lookups());
    const vault = await saToken(['vault']);
    const out = await reviewToken(auth, vault, ['vault'], [ISSUER]);
    assert.equal(out.kind, 'status');
    assert.equal(out.kind === 'status' && out.status.authenticated, true);
    assert.deepEqual(out.kind === 'status' && out.status.audiences, ['vault']);
    // A static token is only valid for the api audiences, so not for "vault".
    const stat = await reviewToken(auth, 'static-token', ['vault'], [ISSUER]);
    assert.deepEqual(stat, { kind: 'status', status: { error: 'invalid bearer token' } });
    const statApi = await reviewToken(auth, 'static-token', undefined, [ISSUER]);
    assert.deepEqual(statApi.kind === 'status' && statApi.status.audiences, [ISSUER]);
  });

  test('a bad token reports the error, not authenticated', async () => {
    const out = await reviewToken(buildAuthenticator(config(), lookups()), 'garbage', undefined, [ISSUER]);
    assert.deepEqual(out, { kind: 'status', status: { error: 'invalid bearer token' } });
  });

  test('an empty token is a bad request', async () => {
    assert.deepEqual(await reviewToken(buildAuthenticator(config(), lookups()), '', undefined, [ISSUER]), {
      kind: 'badRequest',
      message: 'token is required for TokenReview in authentication',
    });
  });
});
