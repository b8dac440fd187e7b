/**
 * A tiny aggregated API server for the remote APIService tests, run inside a
 * test network namespace: `node netns-sample-apiserver.js <address> <port>
 * <group> <cert.pem> <key.pem>`. It serves discovery for <group>/v1 and one
 * Thing that echoes who asked; each request's identity goes to stdout as a
 * JSON line, after `up` once listening.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { frameReader, textFrame, websocketAccept } from './websocket';

const [address, port, group, certFile, keyFile] = process.argv.slice(2);

function serve(): void {
  const server = https.createServer(
    { cert: readFileSync(certFile), key: readFileSync(keyFile), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const groups = req.headers['x-remote-group'];
      const entry = {
        user: req.headers['x-remote-user'] as string | undefined,
        groups: groups === undefined ? [] : String(groups).split(', '),
        clientCN: peer?.subject?.CN as string | undefined,
        authorization: req.headers.authorization,
      };
      console.log(JSON.stringify(entry));
      res.setHeader('content-type', 'application/json');
      if (req.url === `/apis/${group}/v1`) {
        res.end(
          JSON.stringify({
            kind: 'APIResourceList',
            apiVersion: 'v1',
            groupVersion: `${group}/v1`,
            resources: [
              { name: 'things', singularName: 'thing', namespaced: true, kind: 'Thing', verbs: ['get', 'list'] },
            ],
          }),
        );
        return;
      }
      if (req.url?.startsWith(`/apis/${group}/v1/namespaces/default/things/one`)) {
        res.end(JSON.stringify({ apiVersion: `${group}/v1`, kind: 'Thing', metadata: { name: 'one' }, seen: entry }));
        return;
      }
      if (req.url?.startsWith(`/apis/${group}/v1/namespaces/default/things/moved`)) {
        res.writeHead(307, { location: `/apis/${group}/v1/namespaces/default/things/one` });
        res.end();
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    },
  );
  // a WebSocket on any path: each text frame comes back with the user the front proxy asserted
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const user = String(req.headers['x-remote-user'] ?? '');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${websocketAccept(key)}\r\n\r\n`,
    );
    const read = frameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const text of read(chunk)) socket.write(textFrame(`${text} as ${user} at ${req.url ?? ''}`, false));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(Number(port), address, () => console.log('up'));
}

// The test runner also loads every file under test/, with no arguments: that load starts nothing.
if (port !== undefined) serve();
