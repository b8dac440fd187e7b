/**
 * managedFields for create, update and patch: the fields a request changed become owned by
 * its manager (an Update entry per manager, apiVersion and subresource) and are taken away
 * from every other manager, appliers included, without conflict.
 */
import type { JsonObject, JsonValue, KubeObject } from '../api/object';
import { newInvalid, type FieldError } from '../api/errors';
import type { StatusError } from '../api/errors';
import type { SchemaSet } from '../schema/model';
import { FieldSet, comparePaths, pathString, type Path } from './fieldset';
import {
  STRIPPED,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentity,
  rfc3339,
  type Managed,
  type ManagedEntry,
} from './managed';
import { TypeModel, compare, withGoZeroValues, zeroObject, type Comparison, type TypeNode } from './typed';

const models = new WeakMap<SchemaSet, TypeModel>();

export function typeModel(schemas: SchemaSet): TypeModel {
  let m = models.get(schemas);
  if (!m) {
    m = new TypeModel(schemas);
    models.set(schemas, m);
  }
  return m;
}

export const FIELD_MANAGER_MAX_LENGTH = 128;

/** Upstream's default manager: the User-Agent up to its first '/', printable characters only, at most 128 bytes. */
export function managerFromRequest(fieldManager: string | null | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!isPrintable(ch)) continue;
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

function isPrintable(ch: string): boolean {
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/**
 * Validates the fieldManager query parameter as upstream's Validate{Create,Update,Patch}Options do:
 * 422 Invalid on `<Kind>Options.meta.k8s.io ""`. isApply requires it.
 */
export function validateFieldManager(
  fieldManager: string | null | undefined,
  verb: 'create' | 'update' | 'patch',
  isApply = false,
): StatusError | undefined {
  const errs: FieldError[] = [];
  const fm = fieldManager ?? '';
  if (isApply && fm === '') {
    errs.push({
      type: 'FieldValueRequired',
      field: 'fieldManager',
      message: 'Required value: is required for apply patch',
    });
  }
  if (Buffer.byteLength(fm, 'utf8') > FIELD_MANAGER_MAX_LENGTH) {
    errs.push({
      type: 'FieldValueTooLong',
      field: 'fieldManager',
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
    });
  }
  let pos = 0;
  for (const ch of fm) {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push({
        type: 'FieldValueInvalid',
        field: 'fieldManager',
        message: `Invalid value: ${JSON.stringify(fm)}: invalid character ${u} (at position ${pos})`,
      });
    }
    pos += Buffer.byteLength(ch, 'utf8');
  }
  if (errs.length === 0) return undefined;
  const kind = verb === 'create' ? 'CreateOptions' : verb === 'update' ? 'UpdateOptions' : 'PatchOptions';
  return newInvalid(kind, 'meta.k8s.io', '', errs);
}

// ---------------------------------------------------------------------------
// shared machinery

export interface Conflict {
  entry: ManagedEntry;
  identity: string;
  path: Path;
}

export class ConflictsError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('conflicts');
  }
}

export function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The object as a JSON value without metadata.managedFields. */
export function withoutManagedFields(obj: KubeObject): JsonObject {
  const copy = cloneJson(obj) as JsonObject;
  const meta = copy.metadata;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) delete meta.managedFields;
  return copy;
}

/**
 * The object without metadata.managedFields, sharing everything else with it: for values that
 * are only read (compared, walked), where a deep copy of a 200,000-key map is most of the work.
 */
export function viewWithoutManagedFields(obj: KubeObject): JsonObject {
  const view = { ...obj } as JsonObject;
  const meta = obj.metadata;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta) && 'managedFields' in meta) {
    const { managedFields: _mf, ...rest } = meta;
    view.metadata = rest as JsonObject;
  }
  return view;
}

export interface Ctx {
  model: TypeModel;
  root: TypeNode;
  messageType: string;
  ignored?: FieldSet;
}

export function makeCtx(schemas: SchemaSet, messageType: string, ignored?: FieldSet): Ctx {
  const model = typeModel(schemas);
  return { model, root: model.root(messageType), messageType, ignored };
}

function compareFiltered(ctx: Ctx, lhs: JsonValue, rhs: JsonValue): Comparison {
  const c = compare(
    ctx.model,
    ctx.root,
    withGoZeroValues(ctx.model, ctx.root, lhs),
    withGoZeroValues(ctx.model, ctx.root, rhs),
  );
  if (!ctx.ignored || ctx.ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ctx.ignored),
    modified: c.modified.recursiveDifference(ctx.ignored),
    removed: c.removed.recursiveDifference(ctx.ignored),
  };
}

/**
 * Takes the changed fields away from every manager but selfId. Without force, fields of other
 * managers whose values change are conflicts.
 */
export function reassignOwnership(
  ctx: Ctx,
  live: JsonValue,
  next: JsonValue,
  managed: Managed,
  selfId: string,
  force: boolean,
): Comparison {
  const cmp = compareFiltered(ctx, live, next);
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [id, entry] of managed) {
    if (id === selfId) continue;
    const c = entry.set.intersection(changed);
    if (!c.empty()) {
      taken.set(id, c);
      for (const path of c.paths()) conflicts.push({ entry, identity: id, path });
    }
  }
  if (!force && conflicts.length > 0) {
    conflicts.sort((a, b) =>
      a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : comparePaths(a.path, b.path),
    );
    throw new ConflictsError(conflicts);
  }
  for (const [id, entry] of [...managed]) {
    if (id === selfId) continue;
    let set = entry.set;
    const t = taken.get(id);
    if (t) set = set.difference(t);
    if (!cmp.removed.empty()) set = set.difference(cmp.removed);
    if (set.empty()) managed.delete(id);
    else if (set !== entry.set) managed.set(id, { ...entry, set });
  }
  return cmp;
}

/**
 * Records an update by `entry`'s manager: changed fields from live to next go to it (merged with
 * its previous Update entry, with a new time) and leave everyone else.
 */
export function recordUpdate(
  ctx: Ctx,
  live: JsonValue,
  next: JsonValue,
  managed: Managed,
  who: { manager: string; apiVersion: string; subresource?: string },
  time: string,
): void {
  const selfId = '\u0000current-operation';
  const cmp = reassignOwnership(ctx, live, next, managed, selfId, true);
  let set = cmp.modified.union(cmp.added);
  if (ctx.ignored && !ctx.ignored.empty()) set = set.recursiveDifference(ctx.ignored);
  set = set.difference(STRIPPED);
  if (set.empty()) return;
  const entry: ManagedEntry = { manager: who.manager, operation: 'Update', apiVersion: who.apiVersion, set, time };
  if (who.subresource) entry.subresource = who.subresource;
  const id = managerIdentity(entry);
  const previous = managed.get(id);
  if (previous) entry.set = set.union(previous.set);
  managed.set(id, entry);
}

/** The zero-valued object of the type, as a create compares against. */
export function emptyObject(ctx: Ctx): JsonObject {
  return zeroObject(ctx.model, ctx.messageType);
}

export function setManagedFields(obj: KubeObject, managed: Managed): KubeObject {
  const encoded = encodeManagedFields(managed);
  if (!obj.metadata) {
    if (!encoded) return obj;
    obj.metadata = {};
  }
  if (encoded) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
  return obj;
}

function isResetManagedFields(mf: JsonValue[] | undefined): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  if (mf.length === 1) {
    const e = mf[0];
    return typeof e === 'object' && e !== null && !Array.isArray(e) && Object.keys(e).length === 0;
  }
  return false;
}

function decodeOrEmpty(list: JsonValue[] | undefined): Managed {
  try {
    return decodeManagedFields(list);
  } catch {
    return new Map();
  }
}

// ---------------------------------------------------------------------------
// create / update / patch

export interface UpdateOptions {
  manager: string;
  /** the request's group version (entries record it), e.g. apps/v1 */
  apiVersion?: string;
  /** 'status', 'scale', ...; managedFields sent in a subresource request are ignored */
  subresource?: string;
  time?: Date;
  /** paths the request may not change (the strategy's reset fields), never recorded */
  ignored?: FieldSet;
}

/**
 * The new object of a create (oldObj undefined), update or non-apply patch, with managedFields
 * updated for opts.manager as upstream does. managedFields the client sent are honoured: a
 * non-empty valid list replaces the stored one before the change is recorded, `[]` resets.
 */
export function updateManagedFields(
  schemas: SchemaSet,
  messageType: string,
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  opts: UpdateOptions,
): KubeObject {
  const ctx = makeCtx(schemas, messageType, opts.ignored);
  const sent = newObj.metadata?.managedFields as JsonValue[] | undefined;
  const stored = oldObj?.metadata?.managedFields as JsonValue[] | undefined;
  let managed: Managed;
  if (opts.subresource) managed = decodeOrEmpty(stored);
  else if (isResetManagedFields(sent)) managed = new Map();
  else {
    managed = decodeOrEmpty(sent);
    if (managed.size === 0) managed = decodeOrEmpty(stored);
  }
  // the caller keeps only the new managedFields of the result: a shallow copy is enough
  const result: KubeObject = { ...newObj };
  if (newObj.metadata) {
    result.metadata = { ...newObj.metadata };
    delete result.metadata.managedFields;
  }
  // objects that have no managedFields are only tracked from their creation or first apply
  if (managed.size === 0 && oldObj && oldObj.metadata?.uid) return result;
  const live = oldObj ? viewWithoutManagedFields(oldObj) : emptyObject(ctx);
  const next = result as JsonObject;
  const apiVersion = opts.apiVersion ?? (typeof newObj.apiVersion === 'string' ? newObj.apiVersion : '');
  recordUpdate(
    ctx,
    live,
    next,
    managed,
    { manager: opts.manager, apiVersion, subresource: opts.subresource },
    rfc3339(opts.time ?? new Date()),
  );
  capUpdateManagers(managed);
  return setManagedFields(result, managed);
}

/** Upstream's printing of a conflicting manager. */
export function printManager(e: ManagedEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

export function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].entry)}: ${pathString(conflicts[0].path)}`;
  }
  const byManager = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.identity) ?? [];
    list.push(c);
    byManager.set(c.identity, list);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const list = byManager.get(id) ?? [];
    lines.push(`conflicts with ${printManager(list[0].entry)}:`);
    for (const c of list) lines.push(`- ${pathString(c.path)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
