import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthenticationError, type TokenAuthenticator } from '../src/authn/authenticator';
import { bearerTokenAuthenticator, extractBearerToken, webSocketProtocolAuthenticator } from '../src/authn/bearer';
import { parseTokenFile, tokenFileAuthenticator } from '../src/authn/token-file';

describe('token file', () => {
  test('records map tokens to user, uid and groups', async () => {
    const { tokens, warnings } = parseTokenFile(
      't1,alice,uid-a,"g1,g2"\nt2,bob,uid-b\n\n\r\nt3,carol,uid-c,single,ignored-extra\n',
    );
    assert.deepEqual(warnings, []);
    const auth = tokenFileAuthenticator(tokens);
    assert.deepEqual((await auth.authenticateToken('t1'))?.user, { name: 'alice', uid: 'uid-a', groups: ['g1', 'g2'] });
    assert.deepEqual((await auth.authenticateToken('t2'))?.user, { name: 'bob', uid: 'uid-b', groups: [] });
    assert.deepEqual((await auth.authenticateToken('t3'))?.user.groups, ['single']);
    assert.equal(await auth.authenticateToken('nope'), null);
  });

  test('unknown tokens, including prototype property names, get no opinion', async () => {
    const auth = tokenFileAuthenticator(parseTokenFile('t1,alice,uid-a\n').tokens);
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 't1 ', ' t1', 'T1']) {
      assert.equal(await auth.authenticateToken(t), null, t);
    }
  });

  test('empty tokens are skipped and duplicates warn, the later record winning', async () => {
    const { tokens, warnings } = parseTokenFile(',nobody,uid\nt1,first,1\nt1,second,2\n', '/etc/tokens.csv');
    assert.deepEqual(warnings, [
      "empty token has been found in token file '/etc/tokens.csv', record number '1'",
      "duplicate token has been found in token file '/etc/tokens.csv', record number '3'",
    ]);
    assert.equal(tokens.get('t1')?.name, 'second');
    assert.equal(tokens.has(''), false);
  });

  test('fewer than three columns is fatal', () => {
    assert.throws(
      () => parseTokenFile('t1,alice\n', 'f.csv'),
      /token file 'f.csv' must have at least 3 columns \(token, user name, user uid\), found 2/,
    );
  });

  test('malformed CSV is fatal', () => {
    assert.throws(() => parseTokenFile('t1,al"ice,uid\n'), /bare "/);
    assert.throws(() => parseTokenFile('t1,"alice,uid\n'), /quoted-field/);
  });

  test('quoted fields keep commas, doubled quotes and newlines', () => {
    const { tokens } = parseTokenFile('"t,1","a ""quoted"" name","line\nbreak"\n');
    assert.deepEqual(tokens.get('t,1'), { name: 'a "quoted" name', uid: 'line\nbreak', groups: [] });
  });
});

describe('bearer token extraction', () => {
  const cases: Array<[string | undefined, string | null]> = [
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
    ['Bearer abc def', 'abc'],
    ['Bearer  abc', null], // the token is the empty part between the two spaces
    ['Bearer ', null],
    ['Bearer', null],
    ['Basic dXNlcjpwYXNz', null],
    ['', null],
    [undefined, null],
    ['Bearerabc', null],
    ['Bearer\tabc', null],
  ];
  for (const [header, want] of cases) {
    test(`${JSON.stringify(header)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(extractBearerToken(header), want);
    });
  }
});

function fixedTokens(valid: Record<string, string>, failing: string[] = []): TokenAuthenticator {
  return {
    async authenticateToken(token) {
      if (failing.includes(token)) throw new AuthenticationError('token exploded');
      const name = Object.hasOwn(valid, token) ? valid[token] : undefined;
      return name === undefined ? null : { user: { name, groups: [] } };
    },
  };
}

describe('bearer authenticator', () => {
  const auth = bearerTokenAuthenticator(fixedTokens({ good: 'alice' }, ['boom']));
  const req = (authorization?: string) => ({ headers: { authorization }, peerCertificates: [] });

  test('an accepted token authenticates and asks for Authorization to be stripped', async () => {
    const resp = await auth.authenticate(req('Bearer good'));
    assert.equal(resp?.user.name, 'alice');
    assert.deepEqual(resp?.stripHeaders, ['authorization']);
  });

  test('no bearer token: no opinion', async () => {
    assert.equal(await auth.authenticate(req()), null);
    assert.equal(await auth.authenticate(req('Basic x')), null);
  });

  test('a token nobody accepts is an error, never a pass', async () => {
    await assert.rejects(auth.authenticate(req('Bearer unknown')), {
      name: 'AuthenticationError',
      message: 'invalid bearer token',
    });
  });

  test('an authenticator error surfaces as is', async () => {
    await assert.rejects(auth.authenticate(req('Bearer boom')), { message: 'token exploded' });
  });
});

describe('websocket bearer subprotocol', () => {
  const auth = webSocketProtocolAuthenticator(fixedTokens({ good: 'alice' }));
  const ws = (protocol: string) => ({
    headers: { connection: 'keep-alive, Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': protocol },
    peerCertificates: [],
  });
  const encoded = (t: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(t).toString('base64url')}`;

  test('the token subprotocol authenticates and is removed from the echoed list', async () => {
    const resp = await auth.authenticate(ws(`${encoded('good')}, v4.channel.k8s.io`));
    assert.equal(resp?.user.name, 'alice');
    assert.deepEqual(resp?.setHeaders, { 'sec-websocket-protocol': 'v4.channel.k8s.io' });
  });

  test('not a websocket request: no opinion', async () => {
    const r = ws(encoded('good'));
    assert.equal(await auth.authenticate({ ...r, headers: { ...r.headers, upgrade: 'h2c' } }), null);
  });

  test('malformed, duplicate or lonely token subprotocols are errors', async () => {
    await assert.rejects(
      auth.authenticate(ws('base64url.bearer.authorization.k8s.io.a+b/, v4')),
      /invalid base64.bearer.authorization token encoding/,
    );
    await assert.rejects(
      auth.authenticate(ws(`${encoded('good')}, ${encoded('good')}, v4`)),
      /multiple base64.bearer.authorization tokens/,
    );
    await assert.rejects(auth.authenticate(ws(encoded('good'))), /missing additional subprotocol/);
    await assert.rejects(auth.authenticate(ws(`${encoded('bad')}, v4`)), { message: 'invalid token' });
  });
});
