import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { AuthenticationError } from '../src/authn/authenticator';
import {
  AuthenticationConfigError,
  parseAuthenticationConfig,
  type JWTAuthenticatorConfig,
} from '../src/authn/authentication-config';
import { jwtAuthenticator } from '../src/authn/jwt-authenticator';
import { makeCert, type TestCert } from './authn-helpers';

interface Issuer {
  url: string;
  ca: TestCert;
  server: https.Server;
  keys: Array<{ kid: string; privateKey: KeyObject; publicKey: KeyObject }>;
  requests: string[];
  discoveryIssuer?: string;
}

let issuer: Issuer;

async function startIssuer(): Promise<Issuer> {
  const ca = makeCert({ cn: 'oidc-test-ca', ca: true });
  const serving = makeCert({ cn: '127.0.0.1', issuer: ca, eku: 'serverAuth', ipSans: ['127.0.0.1'] });
  const state: Issuer = { url: '', ca, server: undefined as unknown as https.Server, keys: [], requests: [] };
  state.keys.push({ kid: 'k1', ...generateKeyPairSync('rsa', { modulusLength: 2048 }) });
  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    state.requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/realm/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: state.discoveryIssuer ?? state.url, jwks_uri: `${state.url}/keys` }));
    } else if (req.url === '/realm/keys') {
      void Promise.all(
        state.keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, use: 'sig', alg: 'RS256' })),
      ).then((keys) => res.end(JSON.stringify({ keys })));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/realm`;
  return state;
}

before(async () => {
  issuer = await startIssuer();
});
after(() => {
  issuer.server.close();
});

function baseConfig(overrides: Partial<JWTAuthenticatorConfig> = {}): JWTAuthenticatorConfig {
  return {
    issuer: { url: issuer.url, audiences: ['kapi'], certificateAuthority: issuer.ca.certPem },
    claimMappings: { username: { claim: 'sub', prefix: 'oidc:' }, groups: { claim: 'groups', prefix: 'oidc:' } },
    ...overrides,
  };
}

async function sign(claims: JWTPayload, opts: { kid?: string; key?: KeyObject; exp?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer.url, aud: 'kapi', iat: now, exp: opts.exp ?? now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
    .sign(opts.key ?? issuer.keys[0].privateKey);
}

async function rejectsWith(p: Promise<unknown>, message: string | RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AuthenticationError, String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('JWT authenticator against an HTTPS issuer', () => {
  test('claims map to a prefixed user and groups', async () => {
    const auth = jwtAuthenticator(baseConfig());
    const resp = await auth.authenticateToken(await sign({ sub: 'alice', groups: ['dev', 'ops'] }));
    assert.deepEqual(resp, { user: { name: 'oidc:alice', groups: ['oidc:dev', 'oidc:ops'] } });
  });

  test('a single string groups claim is one group; a missing one is none', async () => {
    const auth = jwtAuthenticator(baseConfig());
    assert.deepEqual((await auth.authenticateToken(await sign({ sub: 'a', groups: 'admins' })))?.user.groups, [
      'oidc:admins',
    ]);
    assert.deepEqual((await auth.authenticateToken(await sign({ sub: 'a' })))?.user.groups, []);
  });

  test('a token from another issuer gets no opinion', async () => {
    const auth = jwtAuthenticator(baseConfig());
    assert.equal(await auth.authenticateToken(await sign({ sub: 'a', iss: 'https://elsewhere' })), null);
  });

  test('wrong audience, expiry and future nbf are refused', async () => {
    const auth = jwtAuthenticator(baseConfig());
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a', aud: ['other'] })),
      'oidc: verify token: oidc: expected audience in ["kapi"] got ["other"]',
    );
    const past = Math.floor(Date.now() / 1000) - 10;
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a' }, { exp: past })),
      /^oidc: verify token: oidc: token is expired \(Token Expiry: /,
    );
    const nbf = Math.floor(Date.now() / 1000) + 3600;
    await rejectsWith(auth.authenticateToken(await sign({ sub: 'a', nbf })), /before the nbf \(not before\) time/);
  });

  test('MatchAny accepts any configured audience', async () => {
    const auth = jwtAuthenticator(
      baseConfig({
        issuer: {
          url: issuer.url,
          audiences: ['x', 'kapi'],
          audienceMatchPolicy: 'MatchAny',
          certificateAuthority: issuer.ca.certPem,
        },
      }),
    );
    assert.ok(await auth.authenticateToken(await sign({ sub: 'a', aud: ['kapi', 'y'] })));
  });

  test('a token signed by a key the issuer does not publish is refused', async () => {
    const auth = jwtAuthenticator(baseConfig());
    const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a' }, { key: rogue })),
      /^oidc: verify token: failed to verify signature/,
    );
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a' }, { key: rogue, kid: 'unknown' })),
      /failed to verify signature/,
    );
  });

  test('HS256 and none are refused before any key lookup', async () => {
    const auth = jwtAuthenticator(baseConfig());
    const hs = await new SignJWT({ iss: issuer.url, aud: 'kapi', sub: 'a', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(Buffer.from('secret'));
    await rejectsWith(auth.authenticateToken(hs), /unsupported algorithm/);
  });

  test('a rotated-in key is picked up by refetching the key set', async () => {
    const auth = jwtAuthenticator(baseConfig());
    assert.ok(await auth.authenticateToken(await sign({ sub: 'a' })));
    const k2 = { kid: 'k2', ...generateKeyPairSync('rsa', { modulusLength: 2048 }) };
    issuer.keys.push(k2);
    try {
      // The refetch is rate limited; a fresh authenticator's first fetch already sees k2.
      const fresh = jwtAuthenticator(baseConfig());
      assert.ok(await fresh.authenticateToken(await sign({ sub: 'b' }, { kid: 'k2', key: k2.privateKey })));
    } finally {
      issuer.keys.pop();
    }
  });

  test('email as username requires email_verified to be true when present', async () => {
    const auth = jwtAuthenticator(baseConfig({ claimMappings: { username: { claim: 'email', prefix: '' } } }));
    assert.equal(
      (await auth.authenticateToken(await sign({ email: 'a@x.io', email_verified: true })))?.user.name,
      'a@x.io',
    );
    assert.equal((await auth.authenticateToken(await sign({ email: 'a@x.io' })))?.user.name, 'a@x.io');
    await rejectsWith(
      auth.authenticateToken(await sign({ email: 'a@x.io', email_verified: false })),
      'oidc: email not verified',
    );
  });

  test('a missing username claim is an error', async () => {
    const auth = jwtAuthenticator(baseConfig());
    await rejectsWith(
      auth.authenticateToken(await sign({ groups: [] })),
      'oidc: parse username claims "sub": claim not present',
    );
  });

  test('CEL expressions map username, groups, uid and extra', async () => {
    const auth = jwtAuthenticator(
      baseConfig({
        claimMappings: {
          username: { expression: '"user:" + claims.sub' },
          groups: { expression: 'claims.roles.map(r, "role:" + r)' },
          uid: { expression: 'claims.?oid.orValue("none")' },
          extra: [
            { key: 'example.com/tenant', valueExpression: 'claims.tid' },
            { key: 'example.com/empty', valueExpression: '[]' },
          ],
        },
      }),
    );
    const resp = await auth.authenticateToken(await sign({ sub: 'bob', roles: ['a', 'b'], tid: 't1' }));
    assert.deepEqual(resp?.user, {
      name: 'user:bob',
      groups: ['role:a', 'role:b'],
      uid: 'none',
      extra: { 'example.com/tenant': ['t1'] },
    });
  });

  test('a username expression that does not return a string is an error', async () => {
    const auth = jwtAuthenticator(baseConfig({ claimMappings: { username: { expression: 'claims.n' } } }));
    await rejectsWith(auth.authenticateToken(await sign({ n: 3 })), /username claim expression must return a string/);
  });

  test('claim validation rules: required values and expressions', async () => {
    const auth = jwtAuthenticator(
      baseConfig({
        claimValidationRules: [
          { claim: 'hd', requiredValue: 'example.com' },
          { expression: 'claims.exp - claims.iat <= 3600', message: 'token lifetime too long' },
        ],
      }),
    );
    assert.ok(await auth.authenticateToken(await sign({ sub: 'a', hd: 'example.com' })));
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a' })),
      'oidc: required claim hd not present in ID token',
    );
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a', hd: 'evil.com' })),
      'oidc: required claim hd value does not match. Got = evil.com, want = example.com',
    );
    const now = Math.floor(Date.now() / 1000);
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'a', hd: 'example.com' }, { exp: now + 7200 })),
      'oidc: error evaluating claim validation expression: token lifetime too long',
    );
  });

  test('user validation rules see the mapped user', async () => {
    const auth = jwtAuthenticator(
      baseConfig({
        claimMappings: { username: { claim: 'sub', prefix: '' } },
        userValidationRules: [
          {
            expression: "!user.username.startsWith('system:')",
            message: 'username cannot use reserved system: prefix',
          },
        ],
      }),
    );
    assert.ok(await auth.authenticateToken(await sign({ sub: 'alice' })));
    await rejectsWith(
      auth.authenticateToken(await sign({ sub: 'system:admin' })),
      'oidc: error evaluating user info validation rule: username cannot use reserved system: prefix',
    );
  });

  test('a discovery document naming another issuer leaves the authenticator uninitialized', async () => {
    issuer.discoveryIssuer = 'https://impostor';
    try {
      const auth = jwtAuthenticator(baseConfig());
      await rejectsWith(auth.authenticateToken(await sign({ sub: 'a' })), 'oidc: authenticator not initialized');
    } finally {
      issuer.discoveryIssuer = undefined;
    }
  });

  test('the issuer certificate must chain to the configured CA', async () => {
    const otherCa = makeCert({ cn: 'other', ca: true });
    const auth = jwtAuthenticator(
      baseConfig({ issuer: { url: issuer.url, audiences: ['kapi'], certificateAuthority: otherCa.certPem } }),
    );
    await rejectsWith(auth.authenticateToken(await sign({ sub: 'a' })), 'oidc: authenticator not initialized');
  });

  test('an unreachable issuer is retried on the next token', async () => {
    let calls = 0;
    const auth = jwtAuthenticator(baseConfig(), {
      fetchJson: async () => {
        calls++;
        throw new Error('connection refused');
      },
    });
    const token = await sign({ sub: 'a' });
    await rejectsWith(auth.authenticateToken(token), 'oidc: authenticator not initialized');
    await rejectsWith(auth.authenticateToken(token), 'oidc: authenticator not initialized');
    assert.equal(calls, 2);
  });
});

describe('AuthenticationConfiguration parsing and validation', () => {
  const ok = `apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: https://issuer.example
    audiences: [kapi]
  claimMappings:
    username: {claim: sub, prefix: "oidc:"}
`;

  test('a valid YAML document parses', () => {
    const config = parseAuthenticationConfig(ok);
    assert.equal(config.jwt[0].issuer.url, 'https://issuer.example');
    assert.equal(
      parseAuthenticationConfig(
        JSON.stringify({
          apiVersion: 'apiserver.config.k8s.io/v1alpha1',
          kind: 'AuthenticationConfiguration',
          jwt: [],
        }),
      ).jwt.length,
      0,
    );
  });

  test('wrong kind or version is refused', () => {
    assert.throws(
      () => parseAuthenticationConfig('apiVersion: v1\nkind: Pod\n'),
      /no kind "Pod" is registered for version "v1"/,
    );
  });

  const invalid: Array<[string, string, RegExp]> = [
    [
      'http issuer',
      ok.replace('https://issuer.example', 'http://issuer.example'),
      /jwt\[0\]\.issuer\.url: Invalid value: "http:\/\/issuer.example": URL scheme must be https/,
    ],
    [
      'no audiences',
      ok.replace('audiences: [kapi]', 'audiences: []'),
      /jwt\[0\]\.issuer\.audiences: Required value: at least one jwt\[0\]\.issuer\.audiences is required/,
    ],
    [
      'multiple audiences without MatchAny',
      ok.replace('audiences: [kapi]', 'audiences: [a, b]'),
      /audienceMatchPolicy must be MatchAny for multiple audiences/,
    ],
    [
      'claim without prefix',
      ok.replace('{claim: sub, prefix: "oidc:"}', '{claim: sub}'),
      /jwt\[0\]\.claimMappings\.username\.prefix: Required value: prefix is required when claim is set/,
    ],
    [
      'claim and expression',
      ok.replace('{claim: sub, prefix: "oidc:"}', '{claim: sub, expression: "claims.sub"}'),
      /claim and expression can't both be set/,
    ],
    [
      'expression with prefix',
      ok.replace('{claim: sub, prefix: "oidc:"}', '{expression: "claims.sub", prefix: "x"}'),
      /may not specify prefix when expression is set/,
    ],
    [
      'no username mapping',
      ok.replace('    username: {claim: sub, prefix: "oidc:"}\n', '    username: {}\n'),
      /jwt\[0\]\.claimMappings\.username: Required value: claim or expression is required/,
    ],
    [
      'bad CEL',
      ok.replace('{claim: sub, prefix: "oidc:"}', '{expression: "claims.("}'),
      /jwt\[0\]\.claimMappings\.username\.expression: Invalid value: .*compilation failed/,
    ],
    [
      'unknown CEL variable',
      ok.replace('{claim: sub, prefix: "oidc:"}', '{expression: "request.sub"}'),
      /compilation failed/,
    ],
    [
      'duplicate issuer',
      ok + ok.split('jwt:\n')[1],
      /jwt\[1\]\.issuer\.url: Duplicate value: "https:\/\/issuer.example"/,
    ],
    [
      'reserved extra key',
      ok + '    extra:\n    - key: kubernetes.io/foo\n      valueExpression: claims.sub\n',
      /reserved for Kubernetes use/,
    ],
    [
      'extra key not domain prefixed',
      ok + '    extra:\n    - key: foo\n      valueExpression: claims.sub\n',
      /key must be a domain-prefix path/,
    ],
    [
      'rule with claim and message',
      ok + '  claimValidationRules:\n  - claim: hd\n    message: nope\n',
      /may not specify message when claim is set/,
    ],
  ];
  for (const [name, doc, want] of invalid) {
    test(`rejects: ${name}`, () => {
      assert.throws(
        () => parseAuthenticationConfig(doc),
        (err: unknown) => {
          assert.ok(err instanceof AuthenticationConfigError, String(err));
          assert.match(err.message, want);
          return true;
        },
      );
    });
  }

  test('the service-account issuer cannot be claimed by a JWT authenticator', () => {
    assert.throws(
      () => parseAuthenticationConfig(ok, ['https://issuer.example']),
      /URL must not overlap with disallowed issuers/,
    );
  });
});
