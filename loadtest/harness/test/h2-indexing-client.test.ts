import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createCa, issueLeaf } from '../../../services/apiserver/src/certs/issue';
import { IndexingSession } from '../h2-indexing-client';
import type { ClientTls } from '../h2';

const ca = createCa('h2-indexing-test-ca');
const serving = issueLeaf(ca, {
  subject: { commonName: 'server' },
  usage: 'serverAuth',
  sans: [{ kind: 'ip', value: '127.0.0.1' }],
});
const client = issueLeaf(ca, { subject: { commonName: 'bench-admin' }, usage: 'clientAuth' });
const TOKEN = `Bearer ${'t'.repeat(940)}`;
const MIB = 1024 * 1024;

/** A node:http2 secure server: /status/N answers N, /big/N sends N bytes, /echo returns what it saw, /reset resets. */
async function startServer(settings: http2.Settings = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http2.createSecureServer({
    cert: serving.certPem,
    key: serving.keyPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: false,
    settings,
  });
  server.on('stream', (stream, headers) => {
    // a stream the client already reset or closed (the reset and close tests) has no one to answer
    stream.on('error', () => undefined);
    const p = String(headers[':path']);
    if (p.startsWith('/status/')) {
      stream.respond({ ':status': Number(p.slice(8)) });
      stream.end(`status ${p.slice(8)}`);
    } else if (p.startsWith('/big/')) {
      stream.respond({ ':status': 200 });
      stream.end(Buffer.alloc(Number(p.slice(5)), 'x'));
    } else if (p === '/goaway') {
      // Last stream id 1: this stream (3, the session's second) is refused, which node:http2 reports as an error.
      stream.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
    } else if (p === '/reset') {
      stream.close(http2.constants.NGHTTP2_CANCEL);
    } else {
      const socket = stream.session?.socket as TLSSocket | undefined;
      const peer = socket?.getPeerCertificate();
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ path: p, headers, cn: peer?.subject?.CN ?? null, read: socket?.bytesRead ?? -1 }));
    }
  });
  const open = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    open.add(session);
    session.on('close', () => open.delete(session));
    // a client that closes its socket while the session still writes (a SETTINGS ack) is not a test failure
    session.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    // server.close() waits for every session; one a test left half-open must not hold it
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const session of open) session.destroy();
      }),
  };
}

interface Echo {
  path: string;
  headers: Record<string, string>;
  cn: string | null;
  read: number;
}

describe('IndexingSession against node:http2', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const tls: ClientTls = { ca: ca.certPem, cert: client.certPem, key: client.keyPem };
  const sessions: IndexingSession[] = [];
  const open = async (url = server.url, creds = tls): Promise<IndexingSession> => {
    const s = await IndexingSession.connect(url, creds);
    sessions.push(s);
    return s;
  };
  const get = (s: IndexingSession, path: string, headers: Record<string, string> = {}) =>
    s.request({ method: 'GET', path, headers });

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const s of sessions) s.close();
    await server.close();
  });

  it('reads status codes, static and literal, raw and Huffman-coded', async () => {
    const s = await open();
    // 200 and 404 are static entries; the others are literals covering all ten digits.
    for (const code of [200, 404, 201, 299, 367, 418, 503, 500, 304]) {
      const res = await get(s, `/status/${code}`);
      assert.equal(res.status, code);
      // A 304 carries no body (node:http2 drops it).
      assert.equal(res.body.toString(), code === 304 ? '' : `status ${code}`);
    }
  });

  it('presents the client certificate and sends the request headers', async () => {
    const s = await open();
    const res = await get(s, '/echo?x=1', { accept: 'application/json', authorization: TOKEN });
    const echo = JSON.parse(res.body.toString()) as Echo;
    assert.equal(echo.cn, 'bench-admin');
    assert.equal(echo.path, '/echo?x=1');
    assert.equal(echo.headers.authorization, TOKEN);
    assert.equal(echo.headers.accept, 'application/json');
    assert.equal(echo.headers[':authority'], new URL(server.url).host);
  });

  it('indexes the token: later header blocks are a few bytes and the server still reads it', async () => {
    const s = await open(server.url, { ca: ca.certPem });
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get(s, '/echo', { accept: 'application/json', authorization: TOKEN });
      const echo = JSON.parse(res.body.toString()) as Echo;
      assert.equal(echo.headers.authorization, TOKEN);
      assert.equal(echo.cn, null);
      reads.push(echo.read);
    }
    assert.ok(s.sentBlockSizes[0] > TOKEN.length, `first block ${s.sentBlockSizes[0]} B`);
    for (const n of s.sentBlockSizes.slice(1)) assert.ok(n <= 8, `later block ${n} B`);
    // What the server read off the wire per request (TLS records included) after the first one.
    for (let i = 2; i < reads.length; i++)
      assert.ok(reads[i] - reads[i - 1] < 200, `server read ${reads[i] - reads[i - 1]} B`);
  });

  it('runs many concurrent streams on one connection', async () => {
    const s = await open();
    const res = await Promise.all(Array.from({ length: 300 }, (_, i) => get(s, `/echo?i=${i}`)));
    res.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body.toString()) as Echo).path, `/echo?i=${i}`);
    });
  });

  it('receives large bodies past the stream and connection windows', async () => {
    const s = await open();
    const one = await get(s, `/big/${MIB}`);
    assert.equal(one.body.length, MIB);
    assert.ok(one.body.every((b) => b === 0x78));
    const nine = await s.request({ method: 'GET', path: `/big/${9 * MIB}` }, false);
    assert.equal(nine.status, 200);
    assert.equal(nine.bytes, 9 * MIB);
    assert.equal(nine.body.length, 0);
  });

  it('rejects a reset stream and keeps the connection usable', async () => {
    const s = await open();
    await assert.rejects(get(s, '/reset'), /reset \(error code 8\)/);
    assert.equal((await get(s, '/status/204')).status, 204);
  });

  it('fails pending and new requests once the server sends GOAWAY', async () => {
    const s = await open();
    assert.equal((await get(s, '/status/200')).status, 200);
    await assert.rejects(get(s, '/goaway'), /GOAWAY \(error code 0\)/);
    await assert.rejects(get(s, '/status/200'), /GOAWAY/);
  });

  it('evicts at the peer table size: a small table still decodes right on the server', async () => {
    const small = await startServer({ headerTableSize: 200 });
    try {
      const s = await open(small.url);
      for (let i = 0; i < 40; i++) {
        const v = `value-${i % 7}-${'v'.repeat(40)}`;
        const res = await get(s, '/echo', { 'x-rotating': v, authorization: TOKEN });
        const echo = JSON.parse(res.body.toString()) as Echo;
        assert.equal(echo.headers['x-rotating'], v);
        assert.equal(echo.headers.authorization, TOKEN);
      }
      // The token does not fit in 200 octets, so it goes out literally every time.
      for (const n of s.sentBlockSizes) assert.ok(n > TOKEN.length);
      assert.ok(s.encoder.entries <= 3);
      s.close();
    } finally {
      await small.close();
    }
  });
});
