import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactSign, SignJWT } from 'jose';
import { AuthenticationError } from '../src/authn/authenticator';
import { jwksDocument, openIdConfiguration } from '../src/authn/sa-discovery';
import { generateServiceAccountSigningKey, keyIdForPublicKey, parseServiceAccountKeyFile } from '../src/authn/sa-keys';
import {
  boundObjectRefError,
  effectiveTokenLifetime,
  mintLegacyServiceAccountToken,
  mintServiceAccountToken,
  validateTokenRequest,
} from '../src/authn/sa-token';
import { legacyServiceAccountTokenAuthenticator, serviceAccountTokenAuthenticator } from '../src/authn/service-account';
import { fakeLookups } from './authn-helpers';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const API_AUDIENCES = [ISSUER, 'api'];
const signing = generateServiceAccountSigningKey();
const otherSigning = generateServiceAccountSigningKey();

function setup(extra: { now?: () => Date; keysPem?: string[] } = {}) {
  const { lookups, objects } = fakeLookups();
  objects.serviceAccounts.set('ns1/builder', { uid: 'sa-uid' });
  objects.pods.set('ns1/pod-a', { uid: 'pod-uid' });
  objects.secrets.set('ns1/sec-a', { uid: 'secret-uid' });
  objects.nodes.set('node-1', { uid: 'node-uid' });
  const keys = (extra.keysPem ?? [signing.publicKeyPem]).flatMap(parseServiceAccountKeyFile);
  const auth = serviceAccountTokenAuthenticator({
    issuers: [ISSUER, 'https://old-issuer'],
    keys,
    apiAudiences: API_AUDIENCES,
    lookups,
    clock: extra.now,
  });
  return { auth, objects };
}

function mint(overrides: Partial<Parameters<typeof mintServiceAccountToken>[0]> = {}) {
  return mintServiceAccountToken({
    signingKeyPem: signing.privateKeyPem,
    issuer: ISSUER,
    audiences: [ISSUER],
    expirationSeconds: 3600,
    namespace: 'ns1',
    serviceAccount: { name: 'builder', uid: 'sa-uid' },
    ...overrides,
  });
}

async function rejectsWith(p: Promise<unknown>, message: string | RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AuthenticationError, String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

describe('service-account token signing', () => {
  test('claims and header have upstream shape', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { token, expirationTimestamp, jti } = await mint({
      now,
      boundObject: { kind: 'Pod', name: 'pod-a', uid: 'pod-uid' },
      node: { name: 'node-1', uid: 'node-uid' },
      warnAfterSeconds: 3607,
    });
    assert.equal(expirationTimestamp, '2026-01-01T01:00:00Z');
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
    const spki = createPublicKey(signing.publicKeyPem).export({ type: 'spki', format: 'der' });
    assert.deepEqual(header, { alg: 'RS256', kid: createHash('sha256').update(spki).digest('base64url') });
    const claims = payloadOf(token);
    assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    assert.deepEqual(claims, {
      aud: [ISSUER],
      exp: 1767229200,
      iat: 1767225600,
      iss: ISSUER,
      jti,
      'kubernetes.io': {
        namespace: 'ns1',
        node: { name: 'node-1', uid: 'node-uid' },
        pod: { name: 'pod-a', uid: 'pod-uid' },
        serviceaccount: { name: 'builder', uid: 'sa-uid' },
        warnafter: 1767225600 + 3607,
      },
      nbf: 1767225600,
      sub: 'system:serviceaccount:ns1:builder',
    });
  });

  test('kid is base64url SHA-256 of the PKIX public key, same from private or public PEM', () => {
    const fromPublic = parseServiceAccountKeyFile(signing.publicKeyPem)[0];
    const fromPrivate = parseServiceAccountKeyFile(signing.privateKeyPem)[0];
    assert.equal(fromPublic.keyId, fromPrivate.keyId);
    assert.match(fromPublic.keyId, /^[A-Za-z0-9_-]{43}$/);
  });

  test('a key file may hold several public keys', () => {
    const keys = parseServiceAccountKeyFile(signing.publicKeyPem + '\n' + otherSigning.publicKeyPem);
    assert.equal(keys.length, 2);
    assert.throws(
      () => parseServiceAccountKeyFile('nothing here'),
      /does not contain any valid RSA or ECDSA public keys/,
    );
  });
});

describe('service-account token authentication', () => {
  test('a valid bound token yields the service account user', async () => {
    const { auth } = setup();
    const { token, jti } = await mint({
      boundObject: { kind: 'Pod', name: 'pod-a', uid: 'pod-uid' },
      node: { name: 'node-1', uid: 'node-uid' },
    });
    const resp = await auth.authenticateToken(token);
    assert.deepEqual(resp, {
      user: {
        name: 'system:serviceaccount:ns1:builder',
        uid: 'sa-uid',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['pod-a'],
          'authentication.kubernetes.io/pod-uid': ['pod-uid'],
          'authentication.kubernetes.io/credential-id': [`JTI=${jti}`],
          'authentication.kubernetes.io/node-name': ['node-1'],
          'authentication.kubernetes.io/node-uid': ['node-uid'],
        },
      },
      audiences: [ISSUER],
    });
  });

  test('every --service-account-issuer is accepted', async () => {
    const { auth } = setup();
    const { token } = await mint({ issuer: 'https://old-issuer' });
    assert.equal((await auth.authenticateToken(token))?.user.name, 'system:serviceaccount:ns1:builder');
  });

  test('EC keys sign with ES256/ES384/ES512 and verify', async () => {
    for (const [curve, alg] of [
      ['prime256v1', 'ES256'],
      ['secp384r1', 'ES384'],
      ['secp521r1', 'ES512'],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const { auth } = setup({ keysPem: [publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
      const { token } = await mint({ signingKeyPem: privateKey });
      assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).alg, alg);
      assert.ok(await auth.authenticateToken(token), alg);
    }
  });

  test('expiry honours a minute of leeway and no more', async () => {
    const { token } = await mint({ expirationSeconds: 600, now: new Date('2026-01-01T00:00:00Z') });
    const at = (iso: string) => setup({ now: () => new Date(iso) }).auth;
    assert.ok(await at('2026-01-01T00:10:59Z').authenticateToken(token));
    await rejectsWith(at('2026-01-01T00:11:01Z').authenticateToken(token), 'service account token has expired');
  });

  test('a token from the future is not valid yet', async () => {
    const { token } = await mint({ now: new Date(Date.now() + 5 * 60_000) });
    await rejectsWith(setup().auth.authenticateToken(token), 'service account token is not valid yet');
  });

  test('a token signed by an unknown key with a foreign kid finds no key', async () => {
    const { token } = await mint({ signingKeyPem: otherSigning.privateKeyPem });
    await rejectsWith(setup().auth.authenticateToken(token), 'invalid signature, no keys found');
  });

  test('a forged token carrying our kid fails the signature check', async () => {
    const kid = keyIdForPublicKey(createPublicKey(signing.publicKeyPem));
    const { token } = await mint();
    const forged = await new CompactSign(Buffer.from(JSON.stringify(payloadOf(token))))
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(createPrivateKey(otherSigning.privateKeyPem));
    await rejectsWith(setup().auth.authenticateToken(forged), /error in cryptographic primitive/);
  });

  test('tampered payloads fail the signature check', async () => {
    const { token } = await mint();
    const [h, , s] = token.split('.');
    const claims = payloadOf(token);
    (claims['kubernetes.io'] as Record<string, unknown>)['namespace'] = 'kube-system';
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await rejectsWith(setup().auth.authenticateToken(tampered), /error in cryptographic primitive/);
  });

  test('alg none and HMAC-with-the-public-key are refused', async () => {
    const { token } = await mint();
    const claims = payloadOf(token);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    await rejectsWith(setup().auth.authenticateToken(none), /error in cryptographic primitive/);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(signing.publicKeyPem));
    await rejectsWith(setup().auth.authenticateToken(hs), /error in cryptographic primitive/);
  });

  test('another issuer gets no opinion', async () => {
    const { token } = await mint({ issuer: 'https://evil.example' });
    assert.equal(await setup().auth.authenticateToken(token), null);
  });

  test('audiences outside the target audiences are refused', async () => {
    const { token } = await mint({ audiences: ['vault'] });
    await rejectsWith(
      setup().auth.authenticateToken(token),
      `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}" "api"]`,
    );
    // ...but accepted when the review asks for that audience.
    const resp = await setup().auth.authenticateToken(token, ['vault']);
    assert.deepEqual(resp?.audiences, ['vault']);
  });

  test('revoked bindings invalidate the token', async () => {
    const { token } = await mint({ boundObject: { kind: 'Pod', name: 'pod-a', uid: 'pod-uid' } });
    const long = new Date(Date.now() - 5 * 60_000).toISOString();
    const recent = new Date(Date.now() - 10_000).toISOString();
    const cases: Array<[string, (o: ReturnType<typeof setup>['objects']) => void, string | null]> = [
      ['SA gone', (o) => o.serviceAccounts.delete('ns1/builder'), 'serviceaccounts "builder" not found'],
      [
        'SA recreated',
        (o) => o.serviceAccounts.set('ns1/builder', { uid: 'new' }),
        'service account UID (new) does not match claim (sa-uid)',
      ],
      [
        'SA deleted',
        (o) => o.serviceAccounts.set('ns1/builder', { uid: 'sa-uid', deletionTimestamp: long }),
        'service account ns1/builder has been deleted',
      ],
      [
        'SA deleting within leeway',
        (o) => o.serviceAccounts.set('ns1/builder', { uid: 'sa-uid', deletionTimestamp: recent }),
        null,
      ],
      ['pod gone', (o) => o.pods.delete('ns1/pod-a'), 'service account token has been invalidated'],
      [
        'pod deleting',
        (o) => o.pods.set('ns1/pod-a', { uid: 'pod-uid', deletionTimestamp: long }),
        'service account token has been invalidated',
      ],
      [
        'pod recreated',
        (o) => o.pods.set('ns1/pod-a', { uid: 'p2' }),
        'pod UID (p2) does not match service account pod ref claim (pod-uid)',
      ],
    ];
    for (const [name, mutate, want] of cases) {
      const s = setup();
      mutate(s.objects);
      if (want === null) assert.ok(await s.auth.authenticateToken(token), name);
      else await rejectsWith(s.auth.authenticateToken(token), want);
    }
  });

  test('secret- and node-bound tokens check their object', async () => {
    const secretBound = (await mint({ boundObject: { kind: 'Secret', name: 'sec-a', uid: 'secret-uid' } })).token;
    const nodeBound = (await mint({ boundObject: { kind: 'Node', name: 'node-1', uid: 'node-uid' } })).token;
    assert.ok(await setup().auth.authenticateToken(secretBound));
    const nodeResp = await setup().auth.authenticateToken(nodeBound);
    assert.deepEqual(nodeResp?.user.extra?.['authentication.kubernetes.io/node-name'], ['node-1']);
    let s = setup();
    s.objects.secrets.set('ns1/sec-a', { uid: 'other' });
    await rejectsWith(
      s.auth.authenticateToken(secretBound),
      'secret UID (other) does not match service account secret ref claim (secret-uid)',
    );
    s = setup();
    s.objects.nodes.delete('node-1');
    await rejectsWith(s.auth.authenticateToken(nodeBound), 'service account token has been invalidated');
    s = setup();
    s.objects.nodes.set('node-1', { uid: 'n2' });
    await rejectsWith(
      s.auth.authenticateToken(nodeBound),
      'node UID (n2) does not match service account node ref claim (node-uid)',
    );
  });

  test('non-JWT strings get no opinion', async () => {
    const { auth } = setup();
    for (const t of ['', 'abc', 'a.b', 'a.b.c', '{"iss":"x"}.a.b', '....', 'e30.e30.e30']) {
      assert.equal(await auth.authenticateToken(t), null, t);
    }
  });
});

describe('TokenRequest validation', () => {
  test('expirationSeconds bounds with upstream messages', () => {
    assert.deepEqual(validateTokenRequest({ expirationSeconds: 599 }), [
      {
        field: 'spec.expirationSeconds',
        type: 'FieldValueInvalid',
        value: 599,
        detail: 'may not specify a duration less than 10 minutes',
      },
    ]);
    assert.deepEqual(validateTokenRequest({ expirationSeconds: 2 ** 32 + 1 }), [
      {
        field: 'spec.expirationSeconds',
        type: 'FieldValueInvalid',
        value: 2 ** 32 + 1,
        detail: 'may not specify a duration larger than 2^32 seconds',
      },
    ]);
    assert.deepEqual(validateTokenRequest({ expirationSeconds: 600 }), []);
    assert.deepEqual(validateTokenRequest({}), []);
  });

  test('only core Pod, Secret and Node can be bound', () => {
    assert.equal(boundObjectRefError({ kind: 'Pod', apiVersion: 'v1', name: 'p' }), null);
    assert.equal(boundObjectRefError(undefined), null);
    assert.equal(
      boundObjectRefError({ kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' }),
      'cannot bind token to object of type apps/v1, Kind=Deployment',
    );
    assert.equal(
      boundObjectRefError({ kind: 'ConfigMap', apiVersion: 'v1' }),
      'cannot bind token to object of type /v1, Kind=ConfigMap',
    );
  });

  test('lifetime capping and the kubelet extension', () => {
    assert.deepEqual(effectiveTokenLifetime(7200, { maxExpirationSeconds: 3600 }), { expirationSeconds: 3600 });
    assert.deepEqual(effectiveTokenLifetime(3607, { extendExpiration: true, podBound: true }), {
      expirationSeconds: 31536000,
      warnAfterSeconds: 3607,
    });
    assert.deepEqual(effectiveTokenLifetime(3607, { extendExpiration: true, podBound: false }), {
      expirationSeconds: 3607,
    });
  });
});

describe('issuer discovery documents', () => {
  test('openid-configuration and jwks have kube-apiserver shape', () => {
    const rsa = createPublicKey(signing.publicKeyPem);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    assert.deepEqual(openIdConfiguration(ISSUER, `${ISSUER}/openid/v1/jwks`, [rsa, ec]), {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    });
    const jwks = jwksDocument([rsa, ec]);
    assert.deepEqual(Object.keys(jwks.keys[0]), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
    assert.deepEqual(Object.keys(jwks.keys[1]), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
    assert.equal(jwks.keys[0].kid, keyIdForPublicKey(rsa));
    assert.equal(jwks.keys[0].e, 'AQAB');
    assert.equal(jwks.keys[1].crv, 'P-256');
  });
});

describe('legacy secret-based tokens', () => {
  async function legacySetup(mutate?: (o: ReturnType<typeof fakeLookups>['objects'], token: string) => void) {
    const token = await mintLegacyServiceAccountToken({
      signingKeyPem: signing.privateKeyPem,
      namespace: 'ns1',
      serviceAccount: { name: 'builder', uid: 'sa-uid' },
      secretName: 'builder-token',
    });
    const { lookups, objects } = fakeLookups();
    objects.serviceAccounts.set('ns1/builder', { uid: 'sa-uid' });
    objects.secrets.set('ns1/builder-token', { uid: 's', tokenData: token });
    mutate?.(objects, token);
    const auth = legacyServiceAccountTokenAuthenticator({
      keys: parseServiceAccountKeyFile(signing.publicKeyPem),
      apiAudiences: API_AUDIENCES,
      lookups,
    });
    return { token, auth };
  }

  test('a token matching its secret authenticates, without extra', async () => {
    const { token, auth } = await legacySetup();
    assert.deepEqual(payloadOf(token)['iss'], 'kubernetes/serviceaccount');
    assert.deepEqual(await auth.authenticateToken(token), {
      user: {
        name: 'system:serviceaccount:ns1:builder',
        uid: 'sa-uid',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
      },
      audiences: API_AUDIENCES,
    });
  });

  test('deleted, changed or invalidated secrets and recreated accounts revoke it', async () => {
    const cases: Array<[(o: ReturnType<typeof fakeLookups>['objects'], t: string) => void, string]> = [
      [(o) => o.secrets.delete('ns1/builder-token'), 'Token has been invalidated'],
      [
        (o, t) =>
          o.secrets.set('ns1/builder-token', { uid: 's', tokenData: t, deletionTimestamp: new Date().toISOString() }),
        'Token has been invalidated',
      ],
      [
        (o) => o.secrets.set('ns1/builder-token', { uid: 's', tokenData: 'other' }),
        "Token does not match server's copy",
      ],
      [
        (o, t) => o.secrets.set('ns1/builder-token', { uid: 's', tokenData: t, legacyTokenInvalidSince: '2026-01-01' }),
        'Token has been invalidated',
      ],
      [
        (o) => o.serviceAccounts.set('ns1/builder', { uid: 'x' }),
        'ServiceAccount UID (x) does not match claim (sa-uid)',
      ],
    ];
    for (const [mutate, want] of cases) {
      const { token, auth } = await legacySetup(mutate);
      await rejectsWith(auth.authenticateToken(token), want);
    }
  });

  test('bound tokens are not legacy tokens and vice versa', async () => {
    const { auth } = await legacySetup();
    assert.equal(await auth.authenticateToken((await mint()).token), null);
    const { token } = await legacySetup();
    assert.equal(await setup().auth.authenticateToken(token), null);
  });
});
