import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { endWithBody } from '../src/server/response-writer';

const BODY_BYTES = 600 * 1024;
const REQUESTS = 30;

/**
 * A keep-alive client in its own process (so it runs while the server's loop is
 * busy): PUTs of a large body in sequence, each sent the moment the previous
 * large response has been read. Prints how many requests failed.
 */
const CLIENT = `
const https = require('node:https');
const [port, n, size] = process.argv.slice(1).map(Number);
const body = Buffer.alloc(size, 0x61);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
(async () => {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => {
      const req = https.request({ host: '127.0.0.1', port, method: 'PUT', path: '/', agent,
        headers: { 'content-length': String(size) } }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', () => { failed++; resolve(); });
      });
      req.on('error', () => { failed++; resolve(); });
      req.end(body);
    });
  }
  agent.destroy();
  process.stdout.write(String(failed));
})();
`;

function runClient(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, String(port), String(REQUESTS), String(BODY_BYTES)]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(Number(out)));
  });
}

describe('a large HTTP/1.1 response ends only once the socket has drained', () => {
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-drain-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    execFileSync(
      'openssl',
      ['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert],
      {
        stdio: 'ignore',
      },
    );
    tls = { key: readFileSync(key), cert: readFileSync(cert) };
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keep-alive requests with large bodies after large responses are not reset (HPE_PAUSED)', async () => {
    const response = Buffer.alloc(BODY_BYTES, 0x62);
    const parseErrors: string[] = [];
    // answered from a later turn of the loop, which then stays busy: the shape of a handler
    // that awaits a grouped commit and then fans the change out to watchers
    const server = https.createServer(tls, (req, res) => {
      req.resume();
      req.on('end', () =>
        setImmediate(() => {
          res.setHeader('content-length', String(response.length));
          endWithBody(res, response);
          const until = Date.now() + 20;
          while (Date.now() < until);
        }),
      );
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      parseErrors.push(String(err.code));
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const failed = await runClient((server.address() as AddressInfo).port);
      assert.deepEqual(parseErrors, [], 'the server failed to parse a request');
      assert.equal(failed, 0, 'requests failed');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
