/**
 * Child process for the crash test: creates objects in an embedded store one by
 * one and prints "ack <i>" only after each create has resolved. Run as
 * `node embedded-writer.js <dataDir> <count>`; without arguments (e.g. when a
 * test runner globs it) it does nothing.
 */
import { jsonStorageCodec } from '../../src/storage/codec';
import { openStorage } from '../../src/storage/factory';

export const WRITER_PREFIX = '/registry/configmaps/crash/';

async function main(dataDir: string, count: number): Promise<void> {
  const { storage } = await openStorage({ backend: 'embedded', dataDir, compactionIntervalMs: 0 }, jsonStorageCodec);
  for (let i = 0; i < count; i++) {
    const name = `cm-${String(i).padStart(6, '0')}`;
    await storage.create(`${WRITER_PREFIX}${name}`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'crash' },
      data: { i: String(i), pad: 'x'.repeat(512) },
    });
    // Pipes are written synchronously on Linux: once this returns, the parent can read the ack.
    process.stdout.write(`ack ${name}\n`);
  }
  await storage.close();
}

if (require.main === module && process.argv.length >= 4) {
  main(process.argv[2], Number(process.argv[3])).catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}
