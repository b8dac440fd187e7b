/**
 * Creates whose body is bigger than the storage limit are first checked in a worker thread
 * (oversized-thread.ts): it decodes the body and runs the store's early storage-limit check, and
 * when the create will end in the 413, the replica only makes the namespace checks and answers
 * it. Decoding and checking such a body costs a fifth of a second of CPU even with the worker's
 * shortcuts (frozen maps, member count, size bound: see oversized-thread.ts); on the event loop
 * that would delay every other request (a /healthz poll waited seconds behind four of them).
 * Anything else (bodies that fit, decode errors, invalid objects, kinds with stores of their own, a
 * worker that failed) goes the ordinary way, which gives the same answers on the event loop.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SizeLimitVerdict } from '../registry/oversized-create';
import { DEFAULT_MAX_VALUE_BYTES } from '../storage/store';
import { parseFieldValidation, type ExpectedType, type FieldValidation } from './body';
import { inputMedia } from './negotiation';
import type { RequestScope } from './scope';
import { fieldManager } from './write-input';

export interface OversizedThreadData {
  storageMediaType: 'application/json' | 'application/vnd.kubernetes.protobuf';
}

export interface VerdictRequest {
  id: number;
  group: string;
  resource: string;
  namespace: string;
  media: 'json' | 'yaml' | 'protobuf';
  body: Uint8Array;
  expected: ExpectedType;
  validation: FieldValidation;
  manager: string;
}

export interface VerdictReply {
  id: number;
  verdict: SizeLimitVerdict | undefined;
}

/**
 * Below the storage limit a body's object rarely is over it (protobuf is seldom bigger than the
 * JSON or YAML it came from); those bodies stay on the event loop, where the store's own early
 * check still spares them managedFields.
 */
const MIN_BODY_BYTES = DEFAULT_MAX_VALUE_BYTES;

let threadData: OversizedThreadData | undefined;
let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, (v: SizeLimitVerdict | undefined) => void>();

/** Turns the worker path on for this process (the replica does, with its storage media type). */
export function enableOversizedCreateWorker(data: OversizedThreadData): void {
  threadData = data;
}

/** Stops the worker, if one runs; later big creates start another while the path is enabled. */
export async function stopOversizedCreateWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

function settleAll(): void {
  for (const resolve of pending.values()) resolve(undefined);
  pending.clear();
}

function startWorker(data: OversizedThreadData): Worker {
  const w = new Worker(path.join(__dirname, 'oversized-thread.js'), { workerData: data });
  // a replica with an idle worker still exits when its work is done
  w.unref();
  w.on('message', (reply: VerdictReply) => {
    const resolve = pending.get(reply.id);
    pending.delete(reply.id);
    resolve?.(reply.verdict);
  });
  const gone = (): void => {
    if (worker === w) worker = undefined;
    settleAll();
  };
  w.on('error', gone);
  w.on('exit', gone);
  return w;
}

function askWorker(data: OversizedThreadData, req: Omit<VerdictRequest, 'id'>): Promise<SizeLimitVerdict | undefined> {
  worker ??= startWorker(data);
  const w = worker;
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    w.ref();
    w.postMessage({ ...req, id } satisfies VerdictRequest);
  }).finally(() => {
    if (pending.size === 0) w.unref();
  }) as Promise<SizeLimitVerdict | undefined>;
}

/**
 * For a create of the main resource: throws the 413 (or what the namespace checks throw) when the
 * worker finds the object over the storage limit; returns when the ordinary create must run.
 */
export async function refuseOversizedCreate(scope: RequestScope): Promise<void> {
  const data = threadData;
  const body = scope.req.body;
  if (!data || !body || body.length <= MIN_BODY_BYTES) return;
  let req: Omit<VerdictRequest, 'id'>;
  try {
    const { info } = scope.store;
    const media = inputMedia(scope.req.headers['content-type'], ['json', 'yaml', 'protobuf']);
    if (media !== 'json' && media !== 'yaml' && media !== 'protobuf') return;
    req = {
      group: info.group,
      resource: info.resource,
      namespace: scope.namespace,
      media,
      body,
      expected: { group: info.group, version: info.version, kind: info.kind, messageType: info.messageType },
      validation: parseFieldValidation(scope.req.query.get('fieldValidation')),
      manager: fieldManager(scope.req, 'create', false),
    };
  } catch {
    return; // the ordinary path answers these errors, in its order
  }
  const verdict = await askWorker(data, req);
  if (verdict) await scope.store.refuseOversized(verdict);
}
