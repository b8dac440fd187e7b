import assert from 'node:assert/strict';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest, Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/server/app';
import { ServerLifecycle, UPSTREAM_CONNECTION_TIMEOUTS } from '../src/server/lifecycle';
import { createCa, issueLeaf } from '../src/certs/issue';
import type { ApiResponse } from '../src/endpoints/types';
import type { FastifyInstance } from 'fastify';

// short stand-ins for upstream's 90 s IdleTimeout and 32 s ReadHeaderTimeout
const IDLE_MS = 700;
const FIRST_REQUEST_MS = 400;
// how long a request in flight runs: longer than both limits, so only the in-flight count keeps it alive
const SLOW_MS = 1_600;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function closedWithin(target: { once(event: 'close', cb: () => void): unknown }, ms: number): Promise<number | null> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    target.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

describe('idle client connections are closed as kube-apiserver closes them', () => {
  const ca = createCa('idle-test-ca');
  const leaf = issueLeaf(ca, {
    subject: { commonName: 'localhost' },
    usage: 'serverAuth',
    sans: [{ kind: 'ip', value: '127.0.0.1' }],
  });
  let app: FastifyInstance;
  let port = 0;

  before(async () => {
    const lifecycle = new ServerLifecycle({ idleMs: IDLE_MS, firstRequestMs: FIRST_REQUEST_MS });
    app = buildApp({
      tls: { key: leaf.keyPem, cert: leaf.certPem, ca: ca.certPem },
      lifecycle,
      render: () => ({ kind: 'buffered', status: 500, headers: {}, body: Buffer.alloc(0) }),
      handler: async (ctx): Promise<ApiResponse> => {
        if (ctx.req.path === '/slow') await sleep(SLOW_MS);
        return { kind: 'buffered', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('ok') };
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  after(async () => {
    await app.close();
  });

  it('keeps upstream’s limits: 90 s idle, 32 s for the first request’s headers', () => {
    assert.deepEqual(UPSTREAM_CONNECTION_TIMEOUTS, { idleMs: 90_000, firstRequestMs: 32_000 });
  });

  function h2Get(session: ClientHttp2Session, path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path });
      let status = 0;
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('error', reject);
      stream.resume();
      stream.on('end', () => resolve(status));
    });
  }

  it('sends an HTTP/2 session with no open stream a GOAWAY after the idle time, not before', async () => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: ca.certPem });
    try {
      assert.equal(await h2Get(session, '/'), 200);
      const goaway = new Promise<number>((resolve) => {
        const t0 = Date.now();
        session.once('goaway', () => resolve(Date.now() - t0));
      });
      const elapsed = await Promise.race([goaway, sleep(IDLE_MS * 4).then(() => -1)]);
      assert.ok(elapsed >= IDLE_MS * 0.8, `GOAWAY after ${elapsed} ms, idle limit ${IDLE_MS} ms`);
    } finally {
      session.destroy();
    }
  });

  it('never closes an HTTP/2 session while one of its streams is open, however quiet', async () => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: ca.certPem });
    let goawayAt = -1;
    const t0 = Date.now();
    session.once('goaway', () => (goawayAt = Date.now() - t0));
    try {
      assert.equal(await h2Get(session, '/slow'), 200);
      assert.equal(goawayAt, -1, 'GOAWAY sent while a request was in flight');
      // the session went idle when the slow request ended: a fresh request still works on it
      assert.equal(await h2Get(session, '/'), 200);
    } finally {
      session.destroy();
    }
  });

  it('closes an idle HTTP/1.1 keep-alive connection after the idle time', async () => {
    const agent = new Agent({ keepAlive: true, ca: ca.certPem });
    try {
      const socket = await new Promise<TLSSocket>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          assert.equal(res.statusCode, 200);
          res.resume();
          res.on('end', () => resolve(req.socket as TLSSocket));
        });
        req.on('error', reject);
        req.end();
      });
      const closedAfter = await closedWithin(socket, IDLE_MS * 4);
      assert.ok(closedAfter !== null, 'the idle keep-alive connection was never closed');
      assert.ok(closedAfter >= IDLE_MS * 0.8, `closed after ${closedAfter} ms, idle limit ${IDLE_MS} ms`);
    } finally {
      agent.destroy();
    }
  });

  it('keeps an HTTP/1.1 connection whose request outlasts both limits', async () => {
    const agent = new Agent({ keepAlive: true, ca: ca.certPem });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('drops an HTTP/1.1 client that never finishes its first request’s headers (slowloris)', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: ca.certPem, ALPNProtocols: ['http/1.1'] });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.write('X-A: b\r\n'), 100);
    try {
      const closedAfter = await closedWithin(socket, FIRST_REQUEST_MS * 5);
      assert.ok(closedAfter !== null, 'a connection sending headers forever was kept');
      assert.ok(
        closedAfter < IDLE_MS,
        `closed after ${closedAfter} ms: the first-request limit is ${FIRST_REQUEST_MS}`,
      );
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });
});
