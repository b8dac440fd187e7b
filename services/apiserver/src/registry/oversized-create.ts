/**
 * An early answer for creates whose stored value is over the storage size limit.
 *
 * A create computes managedFields (for a 200,000-key ConfigMap: more CPU than everything else)
 * before preparation, validation and the storage write, and only the write finds the value too
 * large. managedFields only ever add bytes to the stored value, so when the object prepared and
 * validated without them is already over the limit, the full create is refused by the storage
 * limit too: the same 413, given without computing them. The order of upstream's checks is kept
 * (validation errors, then the namespace checks, then the storage limit): anything the early
 * check cannot decide identically is left to the ordinary path.
 */
import type { GroupResource } from '../api/errors';
import { ownKeys } from '../api/key-snapshots';
import type { KubeObject } from '../api/object';
import { timeNow } from '../api/time';
import type { StorageError } from '../storage/errors';
import type { Storage } from '../storage/interface';
import type { NamespaceGate } from './generic-store';
import type { Strategy } from './strategy';

/**
 * Below this many request body bytes the early check is not tried: the stored value of an object
 * is rarely larger than its JSON or YAML body, and small creates should not pay for a second
 * preparation. A miss only costs time (the ordinary path gives the same answer).
 */
export const EARLY_SIZE_CHECK_MIN_BODY_BYTES = 512 * 1024;

/** What of the store the check needs: the same pieces, in the same order, as its create. */
export interface OversizedCreateCheck {
  storage: Storage;
  strategy: Strategy;
  gr: GroupResource;
  /** The store's group/version, recorded in the managedFields entry. */
  apiVersion: string;
  /** The manager create records (params.manager); `unknown` when none. */
  manager: string | undefined;
  /** What create does to the object's metadata between managedFields and preparation. */
  stamp(obj: KubeObject): void;
  /** The namespace checks a namespaced create makes after validation, before the storage write. */
  gate: NamespaceGate | undefined;
}

/**
 * The managedFields entry create will record, with an empty field set: validated with the object,
 * so that validation answers as it will on the ordinary path, and left out of the size.
 */
function managedFieldsEntry(check: OversizedCreateCheck): Record<string, unknown> {
  return {
    manager: check.manager || 'unknown',
    operation: 'Update',
    apiVersion: check.apiVersion,
    time: timeNow(),
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  };
}

/** A create that will end in the storage limit's 413 once the namespace checks pass. */
export interface SizeLimitVerdict {
  /** The storage error's message. */
  message: string;
  namespace: string;
  name: string;
}

/** A deep copy of a JSON value; keys named `__proto__` stay own data properties. */
export function copyJsonValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyJsonValue);
  const out: Record<string, unknown> = {};
  for (const k of ownKeys(v)) {
    const value = copyJsonValue((v as Record<string, unknown>)[k]);
    if (k === '__proto__')
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}

/**
 * The storage error the create of `obj` (defaulted, managedFields not yet computed) will end in,
 * when that is already certain; undefined when the ordinary path has to decide. `obj` is not
 * changed.
 */
export async function earlySizeLimitError(
  check: OversizedCreateCheck,
  obj: KubeObject,
  bodyBytes: number | undefined,
): Promise<StorageError | undefined> {
  const { storage, strategy } = check;
  if (!storage.sizeLimitError || bodyBytes === undefined || bodyBytes < EARLY_SIZE_CHECK_MIN_BODY_BYTES) {
    return undefined;
  }
  // Client-supplied managedFields are checked and may be kept or reset; begin hooks may allocate
  // (service IPs) or refuse by who asks. Both are for the ordinary path.
  if (obj.metadata?.managedFields !== undefined || strategy.beginCreate) return undefined;
  // Copying a map of 200,000 keys costs as much as validating it, so only what the check changes
  // is copied: metadata, unless the strategy prepares the object (then anything may change).
  const copy = strategy.prepareForCreate
    ? (copyJsonValue(obj) as KubeObject)
    : { ...obj, metadata: { ...obj.metadata } };
  check.stamp(copy);
  const meta = copy.metadata ?? (copy.metadata = {});
  meta.managedFields = [managedFieldsEntry(check)];
  strategy.prepareForCreate?.(copy);
  if (strategy.validate(copy).length > 0) return undefined;
  delete copy.metadata?.managedFields;
  const err = storage.sizeLimitError(copy);
  if (!err) return undefined;
  await check.gate?.(meta.namespace ?? '', check.gr, meta.name ?? '');
  return err;
}
