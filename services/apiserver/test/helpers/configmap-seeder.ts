import { randomUUID } from 'node:crypto';
import { openStorage } from '../../src/storage/factory';
import { storageCodecFor } from '../../src/storage/protobuf-codec';
import { loadSchemaSet } from '../../src/schema/load';

/**
 * Writes count configmaps straight into a replica's (stopped) embedded data dir, as
 * the API would have stored them, far faster than creating them over HTTP.
 */
export async function seedConfigMaps(dataDir: string, namespace: string, count: number, padBytes = 256): Promise<void> {
  const codec = storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet());
  const { storage, backend } = await openStorage({ backend: 'embedded', dataDir, compactionIntervalMs: 0 }, codec);
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const inFlight = 64;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const name = `cm-${String(i).padStart(6, '0')}`;
      await storage.create(`/registry/configmaps/${namespace}/${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, uid: randomUUID(), creationTimestamp: created },
        data: { i: String(i), text: `grüße ${i} ✓`, pad: 'x'.repeat(padBytes) },
      });
    }
  };
  // test data need not survive a power cut: one flush for the lot instead of one per object
  const all = (): Promise<void[]> => Promise.all(Array.from({ length: inFlight }, worker));
  await (backend.startupWrites ? backend.startupWrites(all) : all());
  await storage.close();
}
