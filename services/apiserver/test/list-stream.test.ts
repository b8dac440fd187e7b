import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import zlib from 'node:zlib';
import type { KubeObject } from '../src/api/object';
import { decodeObjectProtobuf } from '../src/codec/protobuf';
import { listJsonChunks, listProtobufChunks } from '../src/endpoints/list-stream';
import { listJson, listProtobuf } from '../src/endpoints/object-encoder';
import type { ChunkedResponse } from '../src/endpoints/types';
import { loadSchemaSet } from '../src/schema/load';
import { acceptsGzip, GZIP_THRESHOLD_BYTES, writeChunked } from '../src/server/response-writer';
import { CacheWatcher } from '../src/storage/cacher-watcher';
import { DEFAULT_WATCHER_LIMITS } from '../src/storage/watch-limits';

const schemas = loadSchemaSet();
const CM = 'k8s.io.api.core.v1.ConfigMap';
const TM = { apiVersion: 'v1', kind: 'ConfigMapList' };

function configMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', resourceVersion: '7', uid: `uid-${name}`, labels: { app: 'x' } },
    data,
  };
}

const SHAPES: Array<{ name: string; items: KubeObject[]; meta: Record<string, unknown> }> = [
  { name: 'empty', items: [], meta: { resourceVersion: '12' } },
  { name: 'one item', items: [configMap('a', { k: 'v' })], meta: { resourceVersion: '12' } },
  {
    name: 'continue and remainingItemCount',
    items: [configMap('a', { k: 'v' }), configMap('b', {})],
    meta: { resourceVersion: '12', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ', remainingItemCount: 40 },
  },
  {
    name: 'unicode items',
    items: [
      configMap('u1', { greeting: 'grüße, 你好, 🚀', sep: 'a\u2028b\u2029c', quote: '"\\</script>' }),
      configMap('u2', { empty: '', tab: '\t\n' }),
    ],
    meta: { resourceVersion: '99' },
  },
  {
    name: 'many items',
    items: Array.from({ length: 500 }, (_, i) => configMap(`cm-${i}`, { i: String(i), pad: 'x'.repeat(i % 50) })),
    meta: { resourceVersion: '500' },
  },
];

test('streamed JSON list is byte-identical to the buffered encoder', () => {
  for (const s of SHAPES) {
    const streamed = Buffer.concat([...listJsonChunks(s.items, TM, s.meta)]);
    assert.ok(streamed.equals(listJson(s.items, TM, s.meta)), s.name);
    const parsed = JSON.parse(streamed.toString('utf8')) as KubeObject;
    assert.equal((parsed.items as unknown[]).length, s.items.length, s.name);
  }
});

test('streamed protobuf list equals the buffered encoder and decodes with the existing decoder', () => {
  for (const s of SHAPES) {
    const streamed = Buffer.concat([...listProtobufChunks(schemas, CM, s.items, TM, s.meta)]);
    assert.ok(streamed.equals(listProtobuf(schemas, CM, s.items, TM, s.meta)), s.name);
    const decoded = decodeObjectProtobuf(schemas, streamed);
    assert.equal(decoded.kind, 'ConfigMapList', s.name);
    assert.deepEqual(decoded.metadata, s.meta, s.name);
    const items = (decoded.items as KubeObject[] | undefined) ?? [];
    assert.deepEqual(
      items.map((i) => [i.metadata?.name, i.data ?? {}]),
      s.items.map((i) => [i.metadata?.name, i.data ?? {}]),
      s.name,
    );
  }
});

test('a list whose items change between the sizing and the writing pass is cut, not written corrupt', () => {
  let calls = 0;
  const items = {
    length: 1,
    at: () => configMap(calls++ === 0 ? 'a' : 'a-longer-name', {}),
  };
  // past the bytes the sizing pass may keep, items are encoded again and a change is caught
  assert.throws(() => [...listProtobufChunks(schemas, CM, items, TM, { resourceVersion: '1' }, 0)], /list changed/);
  // within them, the writing pass sends what the sizing pass encoded: the body is whole and consistent
  calls = 0;
  const once = Buffer.concat([...listProtobufChunks(schemas, CM, items, TM, { resourceVersion: '1' })]);
  assert.ok(!once.includes(Buffer.from('a-longer-name')), 'the bytes sized are the bytes sent');
});

test('Accept-Encoding parsing names gzip only as a token', () => {
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip('identity'), false);
  assert.equal(acceptsGzip('x-gzipped'), false);
});

/** A real HTTP/1.1 server writing one chunked response per request, counting what the producer was asked for. */
async function serve(
  pieces: number,
  pieceBytes: number,
): Promise<{ url: string; pulled: () => number; finished: () => boolean; close: () => Promise<void> }> {
  let pulled = 0;
  let finished = false;
  function* produce(): Generator<Buffer> {
    try {
      for (let i = 0; i < pieces; i++) {
        pulled++;
        yield Buffer.alloc(pieceBytes, 97 + (i % 26));
      }
    } finally {
      finished = true;
    }
  }
  const server = http.createServer((req, res) => {
    const response: ChunkedResponse = {
      kind: 'chunked',
      status: 200,
      headers: { 'content-type': 'application/json' },
      chunks: produce,
    };
    void writeChunked(res, response, { head: false, gzip: acceptsGzip(req.headers['accept-encoding']) });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    pulled: () => pulled,
    finished: () => finished,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, { headers }, resolve).on('error', reject));
}

async function bodyOf(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function expected(pieces: number, pieceBytes: number): Buffer {
  return Buffer.concat(Array.from({ length: pieces }, (_, i) => Buffer.alloc(pieceBytes, 97 + (i % 26))));
}

test('small bodies go out whole with a Content-Length and are never compressed', async () => {
  const s = await serve(10, 1000);
  try {
    const res = await get(s.url, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['content-length'], '10000');
    assert.ok((await bodyOf(res)).equals(expected(10, 1000)));
  } finally {
    await s.close();
  }
});

test('large bodies are gzip-encoded for clients that accept it, identity otherwise', async () => {
  const s = await serve(400, 1000);
  try {
    const gz = await get(s.url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    const packed = await bodyOf(gz);
    assert.ok(packed.length < 400 * 1000);
    assert.ok(zlib.gunzipSync(packed).equals(expected(400, 1000)));

    const plain = await get(s.url);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['transfer-encoding'], 'chunked');
    assert.ok((await bodyOf(plain)).equals(expected(400, 1000)));
  } finally {
    await s.close();
  }
});

test('exactly the threshold is not compressed: upstream compresses only larger bodies', async () => {
  const s = await serve(128, 1024);
  try {
    const res = await get(s.url, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal((await bodyOf(res)).length, GZIP_THRESHOLD_BYTES);
  } finally {
    await s.close();
  }
});

test('pieces are pulled as the client reads; a client that goes away stops the producer', async () => {
  const pieces = 100_000;
  const s = await serve(pieces, 1000);
  try {
    const res = await get(s.url);
    res.pause();
    // the socket buffers fill up and the writer waits: far fewer than all pieces were made
    await new Promise((r) => setTimeout(r, 300));
    const whilePaused = s.pulled();
    assert.ok(whilePaused < pieces / 4, `pulled ${whilePaused} of ${pieces} while the client read nothing`);
    res.destroy();
    for (let i = 0; i < 50 && !s.finished(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.finished(), true, 'the producer was closed');
    assert.ok(s.pulled() < pieces / 4);
    // and the server answers the next request in full
    const next = await get(s.url);
    assert.equal((await bodyOf(next)).length, pieces * 1000);
  } finally {
    await s.close();
  }
});

test('a watch-list reads its initial objects only as the consumer drains them, before live events', async () => {
  let read = 0;
  const items = {
    length: 10_000,
    at: (i: number): KubeObject => {
      read++;
      return configMap(`cm-${i}`, {});
    },
  };
  const w = new CacheWatcher(
    { key: '/registry/configmaps/', recursive: true, progressNotify: false },
    5,
    DEFAULT_WATCHER_LIMITS,
    () => {},
  );
  w.startWith(items, 5);
  w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '5' } }, revision: 5 });
  w.push({ type: 'MODIFIED', object: configMap('cm-1', { x: 'y' }), revision: 6 });
  assert.equal(read, 0, 'nothing decoded before the consumer asks');
  assert.equal(w.backlog, 10_002);
  const it = w[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.value?.type, 'ADDED');
  assert.equal(first.value?.object.metadata?.name, 'cm-0');
  assert.equal(read, 1);
  const types: string[] = [];
  for (let i = 1; i < 10_002; i++) types.push((await it.next()).value?.type ?? '');
  assert.equal(types.filter((t) => t === 'ADDED').length, 9_999);
  assert.deepEqual(types.slice(-2), ['BOOKMARK', 'MODIFIED']);
  w.stop();
});
