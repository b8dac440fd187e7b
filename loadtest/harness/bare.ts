import fastify, { type FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Encoding } from './h2';

/** One response kapi sent: its body and content type. */
export interface Captured {
  body: Buffer;
  contentType: string;
}

/** The exact bytes kapi answered with, which the bare server replays. */
export interface CapturedBytes {
  /** GET routes (the query string is ignored): the JSON answer and, if captured, the protobuf one. */
  gets: Array<{ path: string; json: Captured; protobuf?: Captured }>;
  /** One watch event as kapi sent it: a JSON line (newline included) and a protobuf frame (length included). */
  watchEvent: Record<Encoding, Buffer>;
}

export interface BarePaths {
  /** POST echoes the body with 201. */
  create: string;
  /** GET opens a watch stream; POST writes the captured event to every stream open on that path. */
  watch: string[];
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

const WATCH_CONTENT_TYPE: Record<Encoding, string> = {
  json: 'application/json',
  protobuf: 'application/vnd.kubernetes.protobuf;stream=watch',
};

const encodingOf = (h: IncomingHttpHeaders): Encoding =>
  String(h.accept ?? '').includes('application/vnd.kubernetes.protobuf') ? 'protobuf' : 'json';

/**
 * The baseline: fastify over the same TLS material, HTTP/2 with HTTP/1.1 fallback and client
 * certificates requested, exactly as kapi configures it, with one route per scenario that does
 * nothing but send the bytes kapi sent (chosen by the Accept header: protobuf or JSON). The create
 * route echoes the body with 201; a create on a watch path also writes the captured event, in each
 * stream's encoding, to every stream open on that path.
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
    // its sessions sit idle while the paired ServiceAccount runs drive kapi alone, longer than
    // fastify's 72 s default would keep them
    http2SessionTimeout: 0,
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const streams = new Map<string, Set<{ raw: RawStream; encoding: Encoding }>>();

  for (const route of bytes.gets) {
    app.get(route.path, (req, reply) => {
      const c = encodingOf(req.headers) === 'protobuf' && route.protobuf ? route.protobuf : route.json;
      return reply.code(200).header('content-type', c.contentType).send(c.body);
    });
  }
  app.post(paths.create, (req, reply) =>
    reply
      .code(201)
      .header('content-type', 'application/json')
      .send(req.body as Buffer),
  );
  for (const path of paths.watch) {
    const set = new Set<{ raw: RawStream; encoding: Encoding }>();
    streams.set(path, set);
    app.get(path, (req, reply) => {
      reply.hijack();
      const encoding = encodingOf(req.headers);
      const raw: ServerResponse | Http2ServerResponse = reply.raw;
      raw.writeHead(200, { 'content-type': WATCH_CONTENT_TYPE[encoding], 'cache-control': 'no-cache, private' });
      if ('flushHeaders' in raw && typeof raw.flushHeaders === 'function') raw.flushHeaders();
      const entry = { raw, encoding };
      set.add(entry);
      raw.on('close', () => set.delete(entry));
    });
    app.post(path, (req, reply) => {
      for (const s of set) s.raw.write(bytes.watchEvent[s.encoding]);
      return reply
        .code(201)
        .header('content-type', 'application/json')
        .send(req.body as Buffer);
    });
  }

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address.replace('localhost', '127.0.0.1'),
    watchers: () => [...streams.values()].reduce((n, s) => n + s.size, 0),
    close: async () => {
      for (const set of streams.values()) for (const s of set) s.raw.end();
      await app.close();
    },
  };
}
