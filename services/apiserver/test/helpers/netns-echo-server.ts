/**
 * A backend for the proxy tests, run inside a test network namespace:
 * `node netns-echo-server.js <http|https> <address> <port> [cert.pem key.pem]`.
 * It answers every request with what it received, redirects /redirect, and
 * echoes WebSocket text frames on upgrade; prints `up` once listening.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { frameReader, textFrame, websocketAccept } from './websocket';

const [scheme, address, port, certFile, keyFile] = process.argv.slice(2);

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: '/landed?from=redirect', 'access-control-allow-origin': '*' });
      res.end();
      return;
    }
    if (req.url === '/page') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        '<html><body><a href="/docs/">docs</a> <img src=\'logo.png\'><script>let s = "<a href=/no>";</script></body></html>',
      );
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-backend', 'echo');
    res.end(
      JSON.stringify({
        scheme,
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

function upgrade(req: http.IncomingMessage, socket: Duplex): void {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${websocketAccept(key)}\r\n\r\n`,
  );
  const read = frameReader();
  socket.on('data', (chunk: Buffer) => {
    for (const text of read(chunk)) socket.write(textFrame(`echo: ${text} (${req.url ?? ''})`, false));
  });
  socket.on('error', () => socket.destroy());
}

function serve(): void {
  const server =
    scheme === 'https'
      ? https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handle)
      : http.createServer(handle);
  server.on('upgrade', upgrade);
  server.listen(Number(port), address, () => console.log('up'));
}

// The test runner also loads every file under test/, with no arguments: that load starts nothing.
if (port !== undefined) serve();
