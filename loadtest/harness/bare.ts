import fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

/** The exact bytes kapi answered with, which the bare server replays. */
export interface CapturedBytes {
  getBody: Buffer;
  getContentType: string;
  listBody: Buffer;
  listContentType: string;
  /** One watch event line as kapi sent it, newline included. */
  watchEvent: Buffer;
}

export interface BarePaths {
  get: string;
  list: string;
  create: string;
  watch: string;
}

export interface BareServer {
  url: string;
  /** Open watch streams. */
  watchers(): number;
  close(): Promise<void>;
}

/** What the bare server needs of a raw HTTP/1.1 or HTTP/2 response. */
interface RawStream {
  write(chunk: Buffer): unknown;
  end(): unknown;
}

/**
 * The baseline: fastify over the same TLS material, HTTP/2 with HTTP/1.1 fallback and client
 * certificates requested, exactly as kapi configures it, with one route per scenario that does
 * nothing but send the bytes kapi sent. The create route echoes the body with 201; a create in
 * the watch namespace also writes the captured event to every open watch stream.
 */
export async function startBare(
  tls: { cert: string; key: string; ca: string },
  paths: BarePaths,
  bytes: CapturedBytes,
): Promise<BareServer> {
  const app = fastify({
    http2: true,
    https: { allowHTTP1: true, key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
    logger: false,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const streams = new Set<RawStream>();

  app.get(paths.get, (_req, reply) => reply.code(200).header('content-type', bytes.getContentType).send(bytes.getBody));
  app.get(paths.list, (_req, reply) =>
    reply.code(200).header('content-type', bytes.listContentType).send(bytes.listBody),
  );
  app.post(paths.create, (req, reply) =>
    reply
      .code(201)
      .header('content-type', 'application/json')
      .send(req.body as Buffer),
  );
  app.get(paths.watch, (_req, reply) => {
    reply.hijack();
    const raw: ServerResponse | Http2ServerResponse = reply.raw;
    raw.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    if ('flushHeaders' in raw && typeof raw.flushHeaders === 'function') raw.flushHeaders();
    streams.add(raw);
    raw.on('close', () => streams.delete(raw));
  });
  app.post(paths.watch, (req, reply) => {
    for (const s of streams) s.write(bytes.watchEvent);
    return reply
      .code(201)
      .header('content-type', 'application/json')
      .send(req.body as Buffer);
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address.replace('localhost', '127.0.0.1'),
    watchers: () => streams.size,
    close: async () => {
      for (const s of streams) s.end();
      await app.close();
    },
  };
}
