/**
 * Server-side apply (`application/apply-patch+yaml`): merges an applied configuration into
 * the live object by structured-merge semantics, removes what the manager applied before
 * and no longer applies (unless someone else owns it), answers 409 Conflict when the
 * configuration changes fields other managers own (unless forced), and records the
 * manager's Apply entry.
 */
import type { JsonObject, JsonValue, KubeObject } from '../api/object';
import { StatusError, newBadRequest } from '../api/errors';
import type { SchemaSet } from '../schema/model';
import { FieldSet, pathString } from './fieldset';
import { STRIPPED, decodeManagedFields, managerIdentity, rfc3339, type Managed, type ManagedEntry } from './managed';
import {
  ConflictsError,
  cloneJson,
  conflictMessage,
  printManager,
  emptyObject,
  makeCtx,
  reassignOwnership,
  recordUpdate,
  setManagedFields,
  withoutManagedFields,
  type Conflict,
  type Ctx,
} from './manager';
import {
  compare,
  deepEqual,
  ensureNamedFieldsAreMembers,
  merge,
  removeItems,
  toFieldSet,
  validateApplied,
  withGoZeroValues,
} from './typed';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ApplyOptions {
  manager: string;
  /** the request's group version, e.g. apps/v1 */
  apiVersion: string;
  force?: boolean;
  subresource?: string;
  time?: Date;
  /** paths the request may not change (the strategy's reset fields), never owned */
  ignored?: FieldSet;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 409 Conflict as upstream's NewApplyConflict. */
export function applyConflictError(conflicts: Conflict[]): StatusError {
  return new StatusError(409, 'Conflict', conflictMessage(conflicts), {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${printManager(c.entry)}`,
      field: pathString(c.path),
    })),
  });
}

/** `namespace/name; group/version, Kind=Kind`, as upstream names objects in these errors. */
function objectGVKNN(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  return `${ns}/${name}; ${gv}, Kind=${typeof obj.kind === 'string' ? obj.kind : ''}`;
}

/**
 * Upstream answers an apply configuration it cannot type with a 500; kapi's rule is
 * that bad input is never a 500, so it is a 400 with upstream's message.
 */
function unknownError(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

interface Outcome {
  object: JsonObject;
  managed: Managed;
}

/**
 * The object after applying `applied` as opts.manager; current undefined creates it.
 * Throws StatusError: 409 Conflict, 400 when the configuration carries managedFields,
 * 500 (no reason, as upstream) when the configuration cannot be typed (list items
 * without their key fields, duplicates).
 */
export function serverSideApply(
  schemas: SchemaSet,
  messageType: string,
  current: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): KubeObject {
  const mf = applied.metadata?.managedFields as JsonValue | undefined;
  if (mf !== undefined && mf !== null) throw newBadRequest('metadata.managedFields must be nil');
  const ctx = makeCtx(schemas, messageType, opts.ignored);
  let managed: Managed;
  try {
    managed = decodeManagedFields(current?.metadata?.managedFields as JsonValue[] | undefined);
  } catch (e) {
    throw unknownError(`failed to decode managed fields: ${(e as Error).message}`);
  }
  const config = withoutManagedFields(applied);
  const errs = validateApplied(ctx.model, ctx.root, config);
  if (errs.length > 0) {
    const detail = errs.length === 1 ? errs[0] : `errors:\n  ${errs.join('\n  ')}`;
    throw unknownError(`failed to create typed patch object (${objectGVKNN(applied)}): ${detail}`);
  }
  const live: JsonObject = current ? withoutManagedFields(current) : {};
  const time = rfc3339(opts.time ?? new Date());

  let outcome: Outcome;
  try {
    outcome = applyOnce(ctx, live, config, managed, opts, time, !!opts.force, current !== undefined);
  } catch (e) {
    if (!(e instanceof ConflictsError)) throw e;
    // kubectl's switch from client-side to server-side apply: conflicts on fields whose values
    // still equal the last client-side applied configuration are not conflicts
    if (opts.manager !== 'kubectl') throw applyConflictError(e.conflicts);
    const allowed = allowedConflictsFromLastApplied(ctx, live, opts.apiVersion);
    if (!allowed) throw applyConflictError(e.conflicts);
    const remaining = e.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw applyConflictError(remaining);
    outcome = applyOnce(ctx, live, config, managed, opts, time, true, current !== undefined);
  }

  const result = outcome.object as KubeObject;
  if (opts.manager === 'kubectl') syncLastApplied(result, applied);
  return setManagedFields(result, outcome.managed);
}

function applyOnce(
  ctx: Ctx,
  live: JsonObject,
  config: JsonObject,
  stored: Managed,
  opts: ApplyOptions,
  time: string,
  force: boolean,
  exists: boolean,
): Outcome {
  const managed: Managed = new Map(stored);
  const base = live;
  if (managed.size === 0 && exists) {
    // fields set before anyone applied belong to "before-first-apply"
    recordUpdate(
      ctx,
      emptyObject(ctx),
      live,
      managed,
      { manager: 'before-first-apply', apiVersion: opts.apiVersion, subresource: opts.subresource },
      time,
    );
  }
  const merged = (merge(ctx.model, ctx.root, base, config) ?? {}) as JsonObject;
  let set = toFieldSet(ctx.model, ctx.root, config);
  if (ctx.ignored && !ctx.ignored.empty()) set = set.recursiveDifference(ctx.ignored);
  const self: ManagedEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, set };
  if (opts.subresource) self.subresource = opts.subresource;
  const id = managerIdentity(self);
  const last = managed.get(id);
  if (last?.time) self.time = last.time;
  managed.set(id, self);

  const pruned = last ? prune(ctx, merged, managed, last.set) : merged;
  reassignOwnership(ctx, base, pruned, managed, id, force);

  let object: JsonObject;
  if (deepEqual(base, pruned)) object = cloneJson(base);
  else {
    object = pruned;
    self.time = time;
  }
  const stripped = self.set.difference(STRIPPED);
  if (stripped.empty()) managed.delete(id);
  else managed.set(id, { ...self, set: stripped });
  return { object, managed };
}

/** Removes what the manager applied last time and applies no more, unless another manager owns it. */
function prune(ctx: Ctx, merged: JsonObject, managed: Managed, lastSet: FieldSet): JsonObject {
  if (lastSet.empty()) return merged;
  const { model, root } = ctx;
  const last = ensureNamedFieldsAreMembers(model, root, lastSet);
  const owned = new FieldSet();
  for (const e of managed.values()) owned.addAll(e.set);
  const ownedAll = ensureNamedFieldsAreMembers(model, root, owned);
  const mergedSet = ensureNamedFieldsAreMembers(model, root, toFieldSet(model, root, merged));
  const toRemove = mergedSet.intersection(last).difference(ownedAll);
  if (toRemove.empty()) return merged;
  return (removeItems(model, root, merged, toRemove) ?? {}) as JsonObject;
}

/** Fields of the last-applied annotation whose values the live object still has. */
function allowedConflictsFromLastApplied(ctx: Ctx, live: JsonObject, apiVersion: string): FieldSet | undefined {
  const meta = live.metadata;
  const annotations = isObj(meta) ? meta.annotations : undefined;
  const text = isObj(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: JsonValue;
  try {
    lastApplied = JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
  if (!isObj(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  if (validateApplied(ctx.model, ctx.root, lastApplied).length > 0) return undefined;
  const set = toFieldSet(ctx.model, ctx.root, lastApplied);
  const cmp = compare(ctx.model, ctx.root, lastApplied, withGoZeroValues(ctx.model, ctx.root, live));
  return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

function sortedJson(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${goJsonString(k)}:${sortedJson(v[k])}`)
      .join(',')}}`;
  }
  return typeof v === 'string' ? goJsonString(v) : JSON.stringify(v);
}

function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Keeps kubectl's client-side apply annotation equal to what `kubectl apply --server-side` applied. */
function syncLastApplied(result: KubeObject, applied: KubeObject): void {
  const current = result.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!current || !result.metadata?.annotations) return;
  const copy = cloneJson(applied) as JsonObject;
  const meta = copy.metadata;
  if (isObj(meta) && isObj(meta.annotations)) delete meta.annotations[LAST_APPLIED_ANNOTATION];
  result.metadata.annotations[LAST_APPLIED_ANNOTATION] = `${sortedJson(copy)}\n`;
}
