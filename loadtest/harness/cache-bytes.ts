/**
 * The watch cache's own bytes per object, measured on a stopped replica's data:
 * `node cache-bytes.js <data-dir> <resource prefix>` opens the embedded store as
 * kapi does (protobuf storage, protobuf packing), forces full collections before
 * and after one cache fills from it, and prints one JSON line. A process of its
 * own, so nothing but the cache grows between the two heap readings.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCacheItemCodec } from '../../services/apiserver/src/storage/cache-item-codec';
import { createCacher } from '../../services/apiserver/src/storage/cacher';
import { openStorage } from '../../services/apiserver/src/storage/factory';
import { createProtobufStorageCodec } from '../../services/apiserver/src/storage/protobuf-codec';
import { loadSchemaSet } from '../../services/apiserver/src/schema/load';

export interface CacheBytes {
  objects: number;
  /** V8 heap plus off-heap buffers, after full collections, before and after the cache filled. */
  heapBefore: number;
  heapAfter: number;
  bytesPerObject: number;
  /** Mean packed size (the protobuf item, a byte per character). */
  packedPerObject: number;
}

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function main(): Promise<void> {
  const [dataDir, prefix] = process.argv.slice(2);
  if (!dataDir || !prefix) throw new Error('usage: cache-bytes <data-dir> <resource prefix>');
  const schemas = loadSchemaSet();
  const opened = await openStorage(
    { backend: 'embedded', dataDir, compactionIntervalMs: 0 },
    createProtobufStorageCodec(schemas),
  );
  const heapBefore = settledHeap();
  const cacher = createCacher(opened.storage, {
    prefixes: [prefix],
    backend: opened.backend,
    itemCodec: createCacheItemCodec(schemas),
  });
  await cacher.ready();
  const heapAfter = settledHeap();
  const mem = cacher.memoryStats();
  const out: CacheBytes = {
    objects: mem.objects,
    heapBefore,
    heapAfter,
    bytesPerObject: (heapAfter - heapBefore) / Math.max(1, mem.objects),
    packedPerObject: mem.packedBytes / Math.max(1, mem.objects),
  };
  cacher.stop();
  await opened.storage.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
