import { randomUUID } from 'node:crypto';
import { openStorage } from '../../src/storage/factory';
import { storageCodecFor } from '../../src/storage/protobuf-codec';
import { loadSchemaSet } from '../../src/schema/load';

function defaultConfigMap(_name: string, i: number): Record<string, unknown> {
  return { data: { i: String(i), text: `grüße ${i} ✓`, pad: 'x'.repeat(256) } };
}

function meta(obj: Record<string, unknown>): Record<string, unknown> {
  const m = obj.metadata;
  return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
}

/**
 * Writes count configmaps straight into a replica's (stopped) embedded data dir, as
 * the API would have stored them, far faster than creating them over HTTP.
 */
export async function seedConfigMaps(
  dataDir: string,
  namespace: string,
  count: number,
  make: (name: string, i: number) => Record<string, unknown> = defaultConfigMap,
): Promise<void> {
  const codec = storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet());
  const { storage, backend } = await openStorage({ backend: 'embedded', dataDir, compactionIntervalMs: 0 }, codec);
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const inFlight = 64;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const name = `cm-${String(i).padStart(6, '0')}`;
      const obj = make(name, i);
      await storage.create(`/registry/configmaps/${namespace}/${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        ...obj,
        metadata: { name, namespace, uid: randomUUID(), creationTimestamp: created, ...meta(obj) },
      });
    }
  };
  // test data need not survive a power cut: one flush for the lot instead of one per object
  const all = (): Promise<void[]> => Promise.all(Array.from({ length: inFlight }, worker));
  await (backend.startupWrites ? backend.startupWrites(all) : all());
  await storage.close();
}
