import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import {
  AuthenticationError,
  type Authenticator,
  type AuthnRequest,
  type AuthnResponse,
} from '../src/authn/authenticator';
import { buildAuthenticator, type AuthnConfig } from '../src/authn/index';
import { generateServiceAccountSigningKey } from '../src/authn/sa-keys';
import { mintServiceAccountToken } from '../src/authn/sa-token';
import { fakeLookups, makeCert, seededRandom, type TestCert } from './authn-helpers';

const ISSUER = 'https://kubernetes.default.svc';
const OIDC = 'https://oidc.example';
const PER_CALL_TIMEOUT_MS = 2000;
const TOTAL_BUDGET_MS = 40_000;

const signing = generateServiceAccountSigningKey();
const oidcKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
let ca: TestCert;
let goodCert: TestCert;
let auth: Authenticator;
let validSaToken: string;
let rand: () => number;

const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
function randomString(maxLen: number, alphabet?: string): string {
  const len = int(maxLen + 1);
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet ? alphabet[int(alphabet.length)] : String.fromCharCode(int(0x80) || 0x20);
  return s;
}
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function randomJson(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 7)) {
    case 0:
      return randomString(12);
    case 1:
      return rand() * 1e10 - 5e9;
    case 2:
      return pick([true, false, null]);
    case 3:
      return int(2 ** 31);
    case 4:
      return pick(['sub', 'groups', 'email', '__proto__', 'constructor', ISSUER, OIDC, '']);
    case 5:
      return Array.from({ length: int(4) }, () => randomJson(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < int(5); i++)
        o[
          pick([
            'iss',
            'aud',
            'exp',
            'nbf',
            'iat',
            'sub',
            'kubernetes.io',
            'groups',
            'email',
            'email_verified',
            'roles',
            '__proto__',
            randomString(6),
          ])
        ] = randomJson(depth + 1);
      return o;
    }
  }
}

function mutate(s: string): string {
  const chars = s.split('');
  for (let i = 0, n = 1 + int(3); i < n; i++) {
    const at = int(chars.length);
    switch (int(3)) {
      case 0:
        chars[at] = B64URL[int(B64URL.length)];
        break;
      case 1:
        chars.splice(at, 1);
        break;
      default:
        chars.splice(at, 0, pick(['.', '=', ' ', '{', B64URL[int(64)]]));
    }
  }
  return chars.join('');
}

function randomToken(): string {
  switch (int(6)) {
    case 0:
      return randomString(200);
    case 1:
      return `${b64(randomJson())}.${b64(randomJson())}.${randomString(40, B64URL)}`;
    case 2:
      return `${b64({ alg: pick(['RS256', 'ES256', 'none', 'HS256', 'PS512', 7]), kid: pick(['', 'x', randomString(43, B64URL)]) })}.${b64({ iss: pick([ISSUER, OIDC]), ...(randomJson() as object) })}.${randomString(342, B64URL)}`;
    case 3:
      return mutate(validSaToken);
    case 4:
      return randomString(60, B64URL + '.');
    default:
      return `${randomString(20, B64URL)}..${randomString(20, B64URL)}`;
  }
}

function randomAuthorization(): string {
  switch (int(4)) {
    case 0:
      return randomString(80);
    case 1:
      return `${pick(['Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer '])} ${randomToken()}`;
    case 2:
      return `Bearer ${randomToken()} ${randomString(5)}`;
    default:
      return pick(['Bearer', 'Bearer ', '', ' ', 'Bearer  x', '\u0000Bearer x']);
  }
}

function randomCerts(): Buffer[] {
  switch (int(4)) {
    case 0:
      return [];
    case 1:
      return [Buffer.from(Array.from({ length: int(600) }, () => int(256)))];
    case 2: {
      const der = Buffer.from(goodCert.der);
      for (let i = 0, n = 1 + int(4); i < n; i++) der[int(der.length)] = int(256);
      return [der];
    }
    default:
      return [goodCert.der, Buffer.from(randomString(100))];
  }
}

function randomRequest(): AuthnRequest {
  const headers: Record<string, string> = {};
  if (rand() < 0.8) headers['authorization'] = randomAuthorization();
  if (rand() < 0.2) headers['x-remote-user'] = randomString(10);
  if (rand() < 0.2) headers[`x-remote-extra-${randomString(6, 'ab%2Fz_')}`] = randomString(10);
  if (rand() < 0.1) {
    headers['connection'] = 'Upgrade';
    headers['upgrade'] = 'websocket';
    headers['sec-websocket-protocol'] =
      `base64url.bearer.authorization.k8s.io.${rand() < 0.5 ? b64(randomToken()) : randomString(30)}, v4.channel.k8s.io`;
  }
  return { headers, peerCertificates: randomCerts() };
}

async function authenticateBounded(req: AuthnRequest): Promise<AuthnResponse | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hang: ${JSON.stringify(req.headers).slice(0, 200)}`)),
      PER_CALL_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([auth.authenticate(req), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

before(async () => {
  ca = makeCert({ cn: 'ca', ca: true });
  goodCert = makeCert({ cn: 'alice', issuer: ca });
  const proxyCa = makeCert({ cn: 'proxy-ca', ca: true });
  const jwk = { ...(await exportJWK(oidcKey.publicKey)), kid: 'o1', alg: 'RS256', use: 'sig' };
  const { lookups, objects } = fakeLookups();
  objects.serviceAccounts.set('default/robot', { uid: 'sa-1' });
  const config: AuthnConfig = {
    clientCAPem: ca.certPem,
    tokenAuthFileCsv: 'static,tom,1\n',
    serviceAccountPublicKeysPem: [signing.publicKeyPem],
    serviceAccountIssuers: [ISSUER],
    apiAudiences: [],
    requestHeader: {
      clientCAPem: proxyCa.certPem,
      allowedNames: [],
      usernameHeaders: ['x-remote-user'],
      uidHeaders: [],
      groupHeaders: ['x-remote-group'],
      extraHeaderPrefixes: ['x-remote-extra-'],
    },
    authenticationConfig: {
      apiVersion: 'apiserver.config.k8s.io/v1beta1',
      kind: 'AuthenticationConfiguration',
      jwt: [
        {
          issuer: { url: OIDC, audiences: ['kapi'] },
          claimMappings: {
            username: { expression: '"u:" + claims.sub' },
            groups: { expression: 'claims.?groups.orValue([])' },
            extra: [{ key: 'example.com/roles', valueExpression: 'claims.?roles.orValue([])' }],
          },
          claimValidationRules: [{ expression: 'claims.exp > 0', message: 'no exp' }],
          userValidationRules: [{ expression: "!user.username.startsWith('u:system:')", message: 'reserved' }],
        },
      ],
    },
    anonymous: true,
  };
  auth = buildAuthenticator(config, lookups, {
    jwt: {
      fetchJson: async (url: string) =>
        url.endsWith('/.well-known/openid-configuration')
          ? { issuer: OIDC, jwks_uri: `${OIDC}/keys` }
          : { keys: [jwk] },
    },
  });
  validSaToken = (
    await mintServiceAccountToken({
      signingKeyPem: signing.privateKeyPem,
      issuer: ISSUER,
      audiences: [ISSUER],
      expirationSeconds: 3600,
      namespace: 'default',
      serviceAccount: { name: 'robot', uid: 'sa-1' },
    })
  ).token;
});

describe('authentication fuzz (seeded, bounded)', () => {
  test('random requests: only AuthenticationError, never a hang, never a forged identity', async () => {
    rand = seededRandom(0x6b617069);
    const started = Date.now();
    let iterations = 0;
    const outcomes = { anonymous: 0, authenticated: 0, rejected: 0 };
    for (; iterations < 3000 && Date.now() - started < TOTAL_BUDGET_MS; iterations++) {
      const req = randomRequest();
      try {
        const resp = await authenticateBounded(req);
        assert.ok(resp, 'anonymous is enabled, so there is always an answer');
        if (resp.user.name === 'system:anonymous') outcomes.anonymous++;
        else {
          outcomes.authenticated++;
          // The only credentials that can succeed are the real ones we hold.
          assert.ok(['system:serviceaccount:default:robot', 'alice', 'tom'].includes(resp.user.name), resp.user.name);
        }
      } catch (err) {
        if (!(err instanceof AuthenticationError)) {
          assert.fail(`unexpected ${String(err)} for ${JSON.stringify(req.headers).slice(0, 300)}`);
        }
        outcomes.rejected++;
      }
    }
    assert.ok(iterations >= 500, `only ${iterations} iterations fitted the budget`);
    assert.ok(outcomes.rejected > 0 && outcomes.anonymous > 0 && outcomes.authenticated > 0, JSON.stringify(outcomes));
  });

  test('validly signed OIDC tokens with random claims: mapped or AuthenticationError', async () => {
    rand = seededRandom(42);
    const started = Date.now();
    let mapped = 0;
    let refused = 0;
    for (let i = 0; i < 400 && Date.now() - started < TOTAL_BUDGET_MS / 2; i++) {
      const claims = {
        ...(randomJson() as object),
        iss: OIDC,
        aud: pick(['kapi', ['kapi', 'x'], 'other', 3]),
      } as Record<string, unknown>;
      if (rand() < 0.7) claims['exp'] = Math.floor(Date.now() / 1000) + 600;
      if (rand() < 0.5) claims['sub'] = pick(['alice', 'system:admin', 7, null, ['a']]);
      if (rand() < 0.5) claims['groups'] = pick([['a', 'b'], 'g', 5, [1, 'x'], null]);
      if (rand() < 0.5) claims['roles'] = pick([['r'], 'r', {}, []]);
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'o1' }).sign(oidcKey.privateKey);
      try {
        const resp = await authenticateBounded({ headers: { authorization: `Bearer ${token}` }, peerCertificates: [] });
        assert.ok(resp !== null && resp.user.name.startsWith('u:'), resp?.user.name);
        assert.ok(!resp.user.name.startsWith('u:system:'));
        assert.ok(resp.user.groups.every((g) => typeof g === 'string'));
        mapped++;
      } catch (err) {
        if (!(err instanceof AuthenticationError))
          assert.fail(`unexpected ${String(err)} for ${JSON.stringify(claims)}`);
        refused++;
      }
    }
    assert.ok(mapped > 0 && refused > 0, `mapped ${mapped}, refused ${refused}`);
  });
});
