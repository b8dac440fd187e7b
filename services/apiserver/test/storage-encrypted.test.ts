/**
 * The storage conformance suite over the encrypting backend: every value in the
 * embedded store is aesgcm-encrypted under its own key, and the object store
 * above (gets, lists, paging, watches, CAS updates, deletes) behaves exactly as
 * on a plain backend.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage } from '../src/storage/factory';
import { aesGcmTransformer } from '../src/storage/value/aes';
import { prefixTransformers } from '../src/storage/value/transformer';
import { runStorageConformance } from './storage-conformance';

const transformer = prefixTransformers('no matching prefix found', [
  { prefix: Buffer.from('k8s:enc:aesgcm:v1:k:'), transformer: aesGcmTransformer(randomBytes(32)) },
]);

runStorageConformance('embedded, aesgcm-encrypted values', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-encrypted-'));
  return {
    open: (opts = {}) =>
      openStorage(
        {
          backend: 'embedded',
          dataDir,
          compactionIntervalMs: opts.compactionIntervalMs ?? 0,
          transformerForKey: () => transformer,
        },
        jsonStorageCodec,
      ),
    teardown: () => rm(dataDir, { recursive: true, force: true }),
  };
});
