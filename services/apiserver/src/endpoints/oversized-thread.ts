/**
 * The worker thread behind oversized-worker.ts: decodes a big create body and runs a store's early
 * storage-limit check (GenericStore.sizeLimitVerdict) away from the replica's event loop, so that
 * a body of 200,000 keys does not hold up other clients' requests for the time it costs.
 * It answers a verdict only; the replica makes the namespace checks and sends the 413.
 * The decoded object is the worker's alone, so its large maps are frozen with their key lists
 * (decode, validation and the storage size bound then enumerate each map once), and the size is
 * refused on a lower bound of the protobuf encoding when that is already over the limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KubeObject } from '../api/object';
import { GenericStore } from '../registry/generic-store';
import { BUILTIN_KINDS } from '../registry/kinds';
import type { SizeLimitVerdict } from '../registry/oversized-create';
import { loadSchemaSet } from '../schema/load';
import type { Storage } from '../storage/interface';
import { storageCodecFor } from '../storage/protobuf-codec';
import { sizeLimitCheck } from '../storage/store';
import { decodeBody } from './body';
import type { OversizedThreadData, VerdictReply, VerdictRequest } from './oversized-worker';

const { storageMediaType } = workerData as OversizedThreadData;
const schemas = loadSchemaSet();
const sizeLimitError = sizeLimitCheck(storageCodecFor(storageMediaType, schemas));

function unavailable(): never {
  throw new Error('the early size check has no storage');
}

/** A Storage that can only say whether an object fits: the verdict never reads or writes. */
const sizeOnly: Storage = {
  get: unavailable,
  list: unavailable,
  watch: unavailable,
  create: unavailable,
  guaranteedUpdate: unavailable,
  delete: unavailable,
  count: unavailable,
  currentRevision: unavailable,
  healthCheck: unavailable,
  close: () => Promise.resolve(),
  sizeLimitError,
};

const stores = new Map<string, GenericStore | undefined>();

/** The plain generic store of a built-in kind; undefined for kinds with a store of their own. */
function storeFor(group: string, resource: string): GenericStore | undefined {
  const key = `${group}/${resource}`;
  if (!stores.has(key)) {
    const def = BUILTIN_KINDS.find((d) => d.info.group === group && d.info.resource === resource);
    const plain = def && !def.newStore && !def.storedAs;
    const store = plain ? new GenericStore(def.info, def.strategy, { storage: sizeOnly, prefix: '' }) : undefined;
    store?.enableFieldManagement(schemas);
    stores.set(key, store);
  }
  return stores.get(key);
}

async function verdictFor(req: VerdictRequest): Promise<SizeLimitVerdict | undefined> {
  const store = storeFor(req.group, req.resource);
  if (!store) return undefined;
  // the decoded object is only checked and dropped, so its big maps can be frozen with their keys
  const body = Buffer.from(req.body);
  const { object } = decodeBody(schemas, req.media, body, req.expected, req.validation, { freezeLargeMaps: true });
  return store.sizeLimitVerdict(req.namespace, object as KubeObject, {
    manager: req.manager,
    bodyBytes: req.body.byteLength,
  });
}

parentPort?.on('message', (req: VerdictRequest) => {
  verdictFor(req).then(
    (verdict) => parentPort?.postMessage({ id: req.id, verdict } satisfies VerdictReply),
    // any error is the ordinary path's to give, in its order
    () => parentPort?.postMessage({ id: req.id, verdict: undefined } satisfies VerdictReply),
  );
});
