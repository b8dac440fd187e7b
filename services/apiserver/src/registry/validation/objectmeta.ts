import type { FieldError } from '../../api/errors';
import { isPlainObject, type JsonValue, type ObjectMeta } from '../../api/object';
import {
  FIELD_IMMUTABLE,
  child,
  forbidden,
  index,
  invalid,
  required,
  tooLong,
  validateNonnegative,
  GoValue,
  type BadValue,
} from './field';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameValidator } from './names';

/** Upstream's TotalAnnotationSizeLimitB: annotations are stored inline, so their sum is capped. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;
const FIELD_MANAGER_MAX_LENGTH = 128;
const SUBRESOURCE_NAME_MAX_LENGTH = 256;
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface ObjectMetaCreateOptions {
  namespaced: boolean;
  nameValidator: NameValidator;
  /** Root of the metadata path; "metadata" unless validating embedded metadata. */
  path?: string;
}

export const validateNamespaceName: NameValidator = nameIsDNSLabel;

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    const value = typeof val === 'string' ? val : String(val);
    // a `__proto__` label key is data: plain assignment would replace the copy's prototype
    if (k === '__proto__')
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(invalid(path, v, msg));
  }
  return errs;
}

export function annotationsSize(annotations: Record<string, string>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += Buffer.byteLength(k) + Buffer.byteLength(v);
  return total;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  // Annotation keys are qualified names compared case-insensitively.
  for (const k of Object.keys(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  }
  return errs;
}

function goStringSlice(values: string[]): GoValue {
  return new GoValue(`[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`);
}

export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND)) {
    errs.push(
      invalid(
        path,
        goStringSlice(list),
        `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`,
      ),
    );
  }
  return errs;
}

function splitAPIVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return undefined;
}

function validateOwnerReference(ref: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const name = typeof ref.name === 'string' ? ref.name : '';
  const uid = typeof ref.uid === 'string' ? ref.uid : '';
  const gv = splitAPIVersion(apiVersion);
  if (!gv || gv.version === '') errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
  if (kind === '') errs.push(invalid(child(path, 'kind'), kind, 'must not be empty'));
  if (name === '') errs.push(invalid(child(path, 'name'), name, 'must not be empty'));
  if (uid === '') errs.push(invalid(child(path, 'uid'), uid, 'must not be empty'));
  // Events must never own anything: they are garbage collected on their own schedule.
  if (gv && gv.group === '' && gv.version === 'v1' && kind === 'Event') {
    errs.push(invalid(path, ref as BadValue, '/v1, Kind=Event is disallowed from being an owner'));
  }
  return errs;
}

export function validateOwnerReferences(refs: unknown[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const raw of refs ?? []) {
    const ref = isPlainObject(raw) ? raw : {};
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const current = `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`;
      if (firstController !== '') {
        errs.push(
          invalid(
            path,
            refs as BadValue,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export function validateManagedFields(entries: unknown[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((raw, i) => {
    const p = index(path, i);
    const e = isPlainObject(raw) ? raw : {};
    const operation = typeof e.operation === 'string' ? e.operation : '';
    if (operation !== 'Apply' && operation !== 'Update') {
      errs.push(invalid(child(p, 'operation'), operation, 'must be `Apply` or `Update`'));
    }
    const fieldsType = typeof e.fieldsType === 'string' ? e.fieldsType : '';
    if (fieldsType !== '' && fieldsType !== 'FieldsV1') {
      errs.push(invalid(child(p, 'fieldsType'), fieldsType, 'must be `FieldsV1`'));
    }
    const manager = typeof e.manager === 'string' ? e.manager : '';
    if (manager.length > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong(child(p, 'manager'), FIELD_MANAGER_MAX_LENGTH));
    if (/[\x00-\x1f\x7f]/.test(manager)) {
      errs.push(invalid(child(p, 'manager'), manager, 'must only contain printable characters'));
    }
    const subresource = typeof e.subresource === 'string' ? e.subresource : '';
    if (subresource.length > SUBRESOURCE_NAME_MAX_LENGTH) {
      errs.push(tooLong(child(p, 'subresource'), SUBRESOURCE_NAME_MAX_LENGTH));
    }
  });
  return errs;
}

/** ValidateImmutableField: `Invalid value: <new>: field is immutable` when the values differ. */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  if (semanticEqual(newValue, oldValue)) return [];
  return [invalid(path, (newValue ?? null) as BadValue, FIELD_IMMUTABLE)];
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.values(v).every(isEmptyValue);
  return false;
}

/**
 * Equality as apimachinery's Semantic.DeepEqual sees decoded Go structs: an
 * absent field, null, and the zero value (empty string/map/list, 0, false)
 * all decode to the same thing.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => semanticEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

function metaArray(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : undefined;
}

export function validateObjectMetaCreate(meta: ObjectMeta | undefined, opts: ObjectMetaCreateOptions): FieldError[] {
  const m: ObjectMeta = meta ?? {};
  const path = opts.path ?? 'metadata';
  const errs: FieldError[] = [];
  const generateName = str(m.generateName);
  const name = str(m.name);
  const namespace = str(m.namespace);
  if (generateName !== '') {
    for (const msg of opts.nameValidator(generateName, true)) {
      errs.push(invalid(child(path, 'generateName'), generateName, msg));
    }
  }
  if (name === '') {
    errs.push(required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of opts.nameValidator(name, false)) errs.push(invalid(child(path, 'name'), name, msg));
  }
  if (opts.namespaced) {
    if (namespace === '') errs.push(required(child(path, 'namespace')));
    else {
      for (const msg of validateNamespaceName(namespace, false)) {
        errs.push(invalid(child(path, 'namespace'), namespace, msg));
      }
    }
  } else if (namespace !== '') {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(
    ...validateNonnegative(typeof m.generation === 'number' ? m.generation : undefined, child(path, 'generation')),
  );
  errs.push(...validateCommonMeta(m, path));
  errs.push(...validateFinalizers(stringArray(m.finalizers), child(path, 'finalizers')));
  return errs;
}

function validateCommonMeta(m: ObjectMeta, path: string): FieldError[] {
  return [
    ...validateLabels(stringRecord(m.labels), child(path, 'labels')),
    ...validateAnnotations(stringRecord(m.annotations), child(path, 'annotations')),
    ...validateOwnerReferences(metaArray(m.ownerReferences), child(path, 'ownerReferences')),
    ...validateManagedFields(metaArray(m.managedFields), child(path, 'managedFields')),
  ];
}

export interface ObjectMetaUpdateOptions {
  path?: string;
  /**
   * Upstream rejects an update without metadata.resourceVersion here, after the
   * store has copied the stored version into unconditional updates. Stores that
   * settle unconditional updates themselves leave this off.
   */
  requireResourceVersion?: boolean;
}

export function validateObjectMetaUpdate(
  newMeta: ObjectMeta | undefined,
  oldMeta: ObjectMeta | undefined,
  opts: ObjectMetaUpdateOptions = {},
): FieldError[] {
  const path = opts.path ?? 'metadata';
  const n: ObjectMeta = newMeta ?? {};
  const o: ObjectMeta = oldMeta ?? {};
  const errs: FieldError[] = [];
  const newFinalizers = stringArray(n.finalizers) ?? [];
  if (typeof o.deletionTimestamp === 'string' && o.deletionTimestamp !== '') {
    const oldFinalizers = new Set(stringArray(o.finalizers) ?? []);
    const added = [...new Set(newFinalizers.filter((f) => !oldFinalizers.has(f)))].sort();
    if (added.length > 0) {
      errs.push(
        forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added).text}`,
        ),
      );
    }
  }
  const rv = str(n.resourceVersion);
  if (opts.requireResourceVersion && rv === '')
    errs.push(invalid(child(path, 'resourceVersion'), rv, 'must be specified for an update'));
  const newGen = typeof n.generation === 'number' ? n.generation : 0;
  const oldGen = typeof o.generation === 'number' ? o.generation : 0;
  if (newGen < oldGen) errs.push(invalid(child(path, 'generation'), newGen, 'must not be decremented'));
  for (const f of [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ] as const) {
    errs.push(...validateImmutableField(n[f], o[f], child(path, f)));
  }
  errs.push(...validateCommonMeta(n, path));
  errs.push(...validateFinalizers(newFinalizers, child(path, 'finalizers')));
  return errs;
}
