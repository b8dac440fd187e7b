import https from 'node:https';
import type { ClientTls, Request, Response, Sender } from './h2';

/**
 * An HTTP/1.1 keep-alive client, the transport of @kubernetes/client-node and the Python
 * client: one request at a time per TLS connection, headers sent as plain text each time.
 */
export interface Http1Client {
  sender: Sender;
  close(): void;
}

export function http1Client(url: string, tls: ClientTls, connections: number): Http1Client {
  const u = new URL(url);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: connections,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
  });
  const sender: Sender = (req: Request) =>
    new Promise<Response>((resolve, reject) => {
      const r = https.request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          method: req.method,
          path: req.path,
          headers: req.body ? { ...req.headers, 'content-length': req.body.length } : req.headers,
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0), bytes }),
          );
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
  return { sender, close: () => agent.destroy() };
}
