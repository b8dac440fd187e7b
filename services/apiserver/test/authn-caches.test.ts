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
