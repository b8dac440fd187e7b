import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { AuthenticationError } from '../src/authn/authenticator';
import { requestHeaderAuthenticator } from '../src/authn/request-header';
import { x509Authenticator } from '../src/authn/x509';
import { makeCert, type TestCert } from './authn-helpers';

const DAY = 24 * 60 * 60 * 1000;

let ca: TestCert;
let foreignCa: TestCert;
let proxyCa: TestCert;

before(() => {
  ca = makeCert({ cn: 'client-ca', ca: true });
  foreignCa = makeCert({ cn: 'client-ca', ca: true }); // same name, different key
  proxyCa = makeCert({ cn: 'front-proxy-ca', ca: true });
});

function req(certs: Buffer[], headers: Record<string, string> = {}, rawHeaders?: string[]) {
  return { headers, peerCertificates: certs, rawHeaders };
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AuthenticationError, `expected AuthenticationError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('x509 client certificates', () => {
  test('CN is the user, every O a group', async () => {
    const leaf = makeCert({ cn: 'alice', orgs: ['dev', 'system:masters'], issuer: ca });
    const resp = await x509Authenticator(ca.certPem).authenticate(req([leaf.der]));
    assert.deepEqual(resp, { user: { name: 'alice', groups: ['dev', 'system:masters'] } });
  });

  test('no certificate: no opinion', async () => {
    assert.equal(await x509Authenticator(ca.certPem).authenticate(req([])), null);
  });

  test('certificate from a foreign CA with the same subject is refused', async () => {
    const leaf = makeCert({ cn: 'mallory', orgs: ['system:masters'], issuer: foreignCa });
    await rejects(x509Authenticator(ca.certPem).authenticate(req([leaf.der])), /signed by unknown authority/);
  });

  test('self-signed leaf is refused', async () => {
    const leaf = makeCert({ cn: 'mallory', orgs: ['system:masters'] });
    await rejects(x509Authenticator(ca.certPem).authenticate(req([leaf.der])), /unknown authority/);
  });

  test('expired and not-yet-valid certificates are refused', async () => {
    const expired = makeCert({
      cn: 'old',
      issuer: ca,
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    await rejects(
      x509Authenticator(ca.certPem).authenticate(req([expired.der])),
      /expired or is not yet valid: current time .* is after/,
    );
    const future = makeCert({
      cn: 'new',
      issuer: ca,
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 10 * DAY),
    });
    await rejects(x509Authenticator(ca.certPem).authenticate(req([future.der])), /is before/);
  });

  test('the clock decides validity', async () => {
    const leaf = makeCert({ cn: 'alice', issuer: ca });
    const later = () => new Date(Date.now() + 60 * DAY);
    await rejects(x509Authenticator(ca.certPem, later).authenticate(req([leaf.der])), /expired/);
  });

  test('a serverAuth-only certificate cannot be used as a client certificate', async () => {
    const leaf = makeCert({ cn: 'server', issuer: ca, eku: 'serverAuth' });
    await rejects(x509Authenticator(ca.certPem).authenticate(req([leaf.der])), /incompatible key usage/);
  });

  test('a certificate without extended key usage is allowed for any use, as in Go', async () => {
    const leaf = makeCert({ cn: 'legacy', issuer: ca, eku: 'none' });
    const resp = await x509Authenticator(ca.certPem).authenticate(req([leaf.der]));
    assert.equal(resp?.user.name, 'legacy');
  });

  test('intermediates presented by the client complete the chain', async () => {
    const intermediate = makeCert({ cn: 'intermediate', ca: true, issuer: ca });
    const leaf = makeCert({ cn: 'bob', orgs: ['ops'], issuer: intermediate });
    const auth = x509Authenticator(ca.certPem);
    assert.equal((await auth.authenticate(req([leaf.der, intermediate.der])))?.user.name, 'bob');
    await rejects(auth.authenticate(req([leaf.der])), /unknown authority/);
  });

  test('a non-CA certificate cannot act as an intermediate', async () => {
    const notCa = makeCert({ cn: 'leafy', issuer: ca });
    const leaf = makeCert({ cn: 'eve', issuer: notCa });
    await rejects(x509Authenticator(ca.certPem).authenticate(req([leaf.der, notCa.der])), /unknown authority/);
  });

  test('an intermediate restricted to serverAuth forbids client use of its leaves', async () => {
    const intermediate = makeCert({ cn: 'server-intermediate', ca: true, issuer: ca, eku: 'serverAuth' });
    const leaf = makeCert({ cn: 'carol', issuer: intermediate, eku: 'clientAuth' });
    await rejects(
      x509Authenticator(ca.certPem).authenticate(req([leaf.der, intermediate.der])),
      /incompatible key usage/,
    );
  });

  test('a verified certificate without CN gives no opinion', async () => {
    const leaf = makeCert({ orgs: ['dev'], issuer: ca });
    assert.equal(await x509Authenticator(ca.certPem).authenticate(req([leaf.der])), null);
  });

  test('garbage bytes are an AuthenticationError', async () => {
    await rejects(x509Authenticator(ca.certPem).authenticate(req([Buffer.from('not a certificate')])), /malformed/);
  });

  test('a bundle with several CAs trusts each of them', async () => {
    const other = makeCert({ cn: 'other-ca', ca: true });
    const leaf = makeCert({ cn: 'dave', issuer: other });
    const resp = await x509Authenticator(ca.certPem + other.certPem).authenticate(req([leaf.der]));
    assert.equal(resp?.user.name, 'dave');
  });
});

describe('request-header (front proxy)', () => {
  const config = () => ({
    clientCAPem: proxyCa.certPem,
    allowedNames: ['front-proxy-client'],
    usernameHeaders: ['X-Remote-User'],
    uidHeaders: ['X-Remote-Uid'],
    groupHeaders: ['X-Remote-Group'],
    extraHeaderPrefixes: ['X-Remote-Extra-'],
  });

  test('a trusted proxy asserts user, uid, groups and extra; the headers are to be stripped', async () => {
    const proxy = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
    const raw = [
      'X-Remote-User',
      'jane',
      'X-Remote-Uid',
      'u-1',
      'X-Remote-Group',
      'a,b',
      'X-Remote-Group',
      'c',
      'X-Remote-Extra-Acme.com%2Fproject',
      'p1',
      'X-Remote-Extra-acme.com%2fproject',
      'p2',
      'X-Remote-Extra-Scopes',
      'read',
      'X-Remote-Extra-Bad%zz',
      'kept',
    ];
    const headers: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      headers[k] = headers[k] ? `${headers[k]}, ${raw[i + 1]}` : raw[i + 1];
    }
    const resp = await requestHeaderAuthenticator(config()).authenticate(req([proxy.der], headers, raw));
    assert.ok(resp);
    assert.equal(resp.user.name, 'jane');
    assert.equal(resp.user.uid, 'u-1');
    // One group per header line: "a,b" stays one group as upstream.
    assert.deepEqual(resp.user.groups, ['a,b', 'c']);
    assert.deepEqual(resp.user.extra, { 'acme.com/project': ['p1', 'p2'], scopes: ['read'], 'bad%zz': ['kept'] });
    assert.ok(resp.stripHeaders?.includes('x-remote-user'));
    assert.ok(resp.stripHeaders?.includes('x-remote-extra-scopes'));
  });

  test('without raw headers, joined groups are split', async () => {
    const proxy = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
    const resp = await requestHeaderAuthenticator(config()).authenticate(
      req([proxy.der], { 'x-remote-user': 'jane', 'x-remote-group': 'a, b' }),
    );
    assert.deepEqual(resp?.user.groups, ['a', 'b']);
  });

  test('a proxy certificate with a CN outside allowedNames is refused', async () => {
    const proxy = makeCert({ cn: 'someone-else', issuer: proxyCa });
    await rejects(
      requestHeaderAuthenticator(config()).authenticate(req([proxy.der], { 'x-remote-user': 'admin' })),
      /subject with cn=someone-else is not in the allowed list/,
    );
  });

  test('empty allowedNames accepts any CN signed by the proxy CA', async () => {
    const proxy = makeCert({ cn: 'anything', issuer: proxyCa });
    const resp = await requestHeaderAuthenticator({ ...config(), allowedNames: [] }).authenticate(
      req([proxy.der], { 'x-remote-user': 'jane' }),
    );
    assert.equal(resp?.user.name, 'jane');
  });

  test('a client certificate from another CA cannot assert headers', async () => {
    const client = makeCert({ cn: 'front-proxy-client', issuer: ca });
    await rejects(
      requestHeaderAuthenticator(config()).authenticate(req([client.der], { 'x-remote-user': 'admin' })),
      /unknown authority/,
    );
  });

  test('headers without a certificate are ignored', async () => {
    assert.equal(await requestHeaderAuthenticator(config()).authenticate(req([], { 'x-remote-user': 'admin' })), null);
  });

  test('a trusted proxy without a username header gives no opinion', async () => {
    const proxy = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
    assert.equal(await requestHeaderAuthenticator(config()).authenticate(req([proxy.der], {})), null);
  });

  test('the first non-empty username header wins', async () => {
    const proxy = makeCert({ cn: 'front-proxy-client', issuer: proxyCa });
    const resp = await requestHeaderAuthenticator({
      ...config(),
      usernameHeaders: ['X-First', 'X-Second'],
    }).authenticate(req([proxy.der], { 'x-first': '', 'x-second': 'second' }));
    assert.equal(resp?.user.name, 'second');
  });

  test('an empty header name in the configuration is rejected', () => {
    assert.throws(() => requestHeaderAuthenticator({ ...config(), groupHeaders: [' '] }), /empty header/);
  });
});
