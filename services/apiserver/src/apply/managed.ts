/**
 * metadata.managedFields in memory: one entry per manager identity (manager, operation,
 * apiVersion for updates, subresource), each with the set of fields it owns.
 */
import type { JsonObject, JsonValue } from '../api/object';
import { FieldSet } from './fieldset';

export type Operation = 'Apply' | 'Update';

export interface ManagedEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  /** RFC 3339, seconds */
  time?: string;
  set: FieldSet;
}

/** identity → entry */
export type Managed = Map<string, ManagedEntry>;

/** Upstream's manager identifier: the entry without time and fields; appliers without apiVersion. */
export function managerIdentity(e: Pick<ManagedEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: JsonObject = {};
  if (e.manager) id.manager = e.manager;
  if (e.operation) id.operation = e.operation;
  if (e.operation !== 'Apply' && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

export class ManagedFieldsError extends Error {}

function isObj(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decodes managedFields as stored or sent; throws ManagedFieldsError as upstream's DecodeManagedFields fails. */
export function decodeManagedFields(list: readonly JsonValue[] | undefined | null): Managed {
  const out: Managed = new Map();
  if (!list) return out;
  list.forEach((raw, i) => {
    if (!isObj(raw)) throw new ManagedFieldsError(`managed fields entry ${i} is not an object`);
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update')
      throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
    if (!apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = typeof raw.fieldsType === 'string' ? raw.fieldsType : '';
    if (fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1')
      throw new ManagedFieldsError(`invalid fieldsType "${fieldsType}" in managed fields entry ${i}`);
    let set: FieldSet;
    try {
      set = raw.fieldsV1 === undefined || raw.fieldsV1 === null ? new FieldSet() : FieldSet.fromFieldsV1(raw.fieldsV1);
    } catch (e) {
      throw new ManagedFieldsError(`error decoding set: ${(e as Error).message}`);
    }
    const entry: ManagedEntry = {
      manager: typeof raw.manager === 'string' ? raw.manager : '',
      operation,
      apiVersion,
      set,
    };
    if (typeof raw.subresource === 'string' && raw.subresource) entry.subresource = raw.subresource;
    if (typeof raw.time === 'string' && raw.time) entry.time = raw.time;
    out.set(managerIdentity(entry), entry);
  });
  return out;
}

function seconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function strCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The wire form, sorted as upstream sorts it (operation, time, manager, apiVersion, subresource); undefined when empty. */
export function encodeManagedFields(managed: Managed): JsonObject[] | undefined {
  if (managed.size === 0) return undefined;
  const entries = [...managed.values()].sort(
    (p, q) =>
      strCmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      strCmp(p.manager, q.manager) ||
      strCmp(p.apiVersion, q.apiVersion) ||
      strCmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return entries.map((e) => {
    const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

/** RFC 3339 with seconds precision, UTC, as metav1.Time serializes. */
export { formatTime as rfc3339 } from '../api/time';

/** Paths never recorded in managedFields. */
export const STRIPPED: FieldSet = FieldSet.of(
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  [{ field: 'metadata' }, { field: 'name' }],
  [{ field: 'metadata' }, { field: 'namespace' }],
  [{ field: 'metadata' }, { field: 'creationTimestamp' }],
  [{ field: 'metadata' }, { field: 'selfLink' }],
  [{ field: 'metadata' }, { field: 'uid' }],
  [{ field: 'metadata' }, { field: 'clusterName' }],
  [{ field: 'metadata' }, { field: 'generation' }],
  [{ field: 'metadata' }, { field: 'managedFields' }],
  [{ field: 'metadata' }, { field: 'resourceVersion' }],
);

export const MAX_UPDATE_MANAGERS = 10;

/** Merges the oldest Update entries into per-version "ancient-changes" buckets while there are more than max. */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.entries()].filter(([, e]) => e.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => {
    const d = seconds(managed.get(a)?.time) - seconds(managed.get(b)?.time);
    return d !== 0 ? d : strCmp(a, b);
  });
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const e = managed.get(id);
    if (!e) continue;
    const bucketEntry = { manager: 'ancient-changes', operation: 'Update' as const, apiVersion: e.apiVersion };
    const bucket = managerIdentity(bucketEntry);
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, id);
      continue;
    }
    if (!managed.has(bucket)) {
      const f = managed.get(first);
      managed.delete(first);
      if (f) managed.set(bucket, { ...bucketEntry, set: f.set, time: f.time });
    }
    const b = managed.get(bucket);
    if (b) managed.set(bucket, { ...bucketEntry, set: e.set.union(b.set), time: e.time });
    managed.delete(id);
    length--;
  }
}
