import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage } from '../src/storage/factory';
import { runStorageConformance } from './storage-conformance';

runStorageConformance('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-embedded-'));
  return {
    open: (opts = {}) =>
      openStorage(
        { backend: 'embedded', dataDir, compactionIntervalMs: opts.compactionIntervalMs ?? 0 },
        jsonStorageCodec,
      ),
    teardown: () => rm(dataDir, { recursive: true, force: true }),
  };
});
