import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthnResponse, TokenAuthenticator } from '../src/authn/authenticator';
import { cachedTokenAuthenticator } from '../src/authn/token-cache';
import { x509Authenticator } from '../src/authn/x509';
import { makeCert } from './authn-helpers';

test('token cache: successes are remembered for the TTL, failures never', async () => {
  let calls = 0;
  let valid = true;
  const inner: TokenAuthenticator = {
    authenticateToken: async (token) => {
      calls++;
      if (!valid || token !== 'good') return null;
      return { user: { name: 'u', groups: [] } } satisfies AuthnResponse;
    },
  };
  let now = 1_000;
  const cached = cachedTokenAuthenticator(inner, { ttlMs: 10_000, now: () => now });
  assert.equal((await cached.authenticateToken('good'))?.user.name, 'u');
  assert.equal((await cached.authenticateToken('good'))?.user.name, 'u');
  assert.equal(calls, 1);
  assert.equal(await cached.authenticateToken('bad'), null);
  assert.equal(await cached.authenticateToken('bad'), null);
  assert.equal(calls, 3, 'a failure is asked again');
  // another audience is another entry
  await cached.authenticateToken('good', ['other']);
  assert.equal(calls, 4);
  // revoked: refused once the entry expires
  valid = false;
  now += 9_999;
  assert.ok(await cached.authenticateToken('good'));
  now += 2;
  assert.equal(await cached.authenticateToken('good'), null);
});

test('token cache: a connection repeating its token is answered from the same entry, expiry and revocation unchanged', async () => {
  const verified: string[] = [];
  const valid = new Set(['tok-a', 'tok-b']);
  const inner: TokenAuthenticator = {
    authenticateToken: async (token) => {
      verified.push(token);
      return valid.has(token) ? ({ user: { name: token, groups: [] } } satisfies AuthnResponse) : null;
    },
  };
  let now = 1_000;
  const cached = cachedTokenAuthenticator(inner, { ttlMs: 10_000, now: () => now });
  const conn = {};
  const other = {};
  const first = await cached.authenticateToken('tok-a', undefined, conn);
  assert.equal(first?.user.name, 'tok-a');
  assert.equal(await cached.authenticateToken('tok-a', undefined, conn), first);
  // the entry is the token's, whichever connection (or none) presents it
  assert.equal(await cached.authenticateToken('tok-a', undefined, other), first);
  assert.equal(await cached.authenticateToken('tok-a'), first);
  assert.deepEqual(verified, ['tok-a']);
  // another token on the same connection is its own entry, never the remembered one
  assert.equal((await cached.authenticateToken('tok-b', undefined, conn))?.user.name, 'tok-b');
  assert.equal(await cached.authenticateToken('tok-x', undefined, conn), null);
  assert.equal((await cached.authenticateToken('tok-a', ['aud'], conn))?.user.name, 'tok-a');
  assert.deepEqual(verified, ['tok-a', 'tok-b', 'tok-x', 'tok-a']);
  // revoked: still refused once the entry expires, on the connection that kept presenting it
  valid.delete('tok-a');
  assert.ok(await cached.authenticateToken('tok-a', undefined, conn));
  now += 10_001;
  assert.equal(await cached.authenticateToken('tok-a', undefined, conn), null);
  assert.equal(await cached.authenticateToken('tok-a', undefined, conn), null, 'failures are never remembered');
  assert.equal(verified.filter((t) => t === 'tok-a').length, 4);
});

test('x509: a connection chain is verified once, and again once a certificate in it has expired', async () => {
  const ca = makeCert({ cn: 'ca', ca: true });
  const leaf = makeCert({ cn: 'alice', orgs: ['devs'], issuer: ca, notAfter: new Date(Date.now() + 60_000) });
  let now = new Date();
  const authn = x509Authenticator(ca.certPem, () => now);
  const chain = [leaf.der];
  assert.equal((await authn.authenticate({ headers: {}, peerCertificates: chain }))?.user.name, 'alice');
  assert.equal((await authn.authenticate({ headers: {}, peerCertificates: chain }))?.user.name, 'alice');
  now = new Date(Date.now() + 120_000);
  await assert.rejects(authn.authenticate({ headers: {}, peerCertificates: chain }));
});
