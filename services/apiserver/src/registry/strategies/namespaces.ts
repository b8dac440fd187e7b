import type { FieldError } from '../../api/errors';
import type { Namespace } from '../../generated/k8s.io.api.core.v1';
import { invalid } from '../validation/field';
import { validateNamespaceName } from '../validation/objectmeta';
import { isQualifiedName } from '../validation/names';
import {
  deepClone,
  forStore,
  ensureObject,
  keepOldGeneration,
  metaOf,
  objectAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';

export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
export const FINALIZER_KUBERNETES = 'kubernetes';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** The immutable label lets selectors target a namespace by name. */
function setNameLabel(obj: Namespace): void {
  const meta = metaOf(obj);
  if (!meta.name) return;
  meta.labels = { ...(meta.labels ?? {}), [LABEL_METADATA_NAME]: meta.name };
}

/** spec.finalizers entries: qualified names, and unqualified ones only if Kubernetes defines them. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

function specFinalizers(obj: Namespace): string[] {
  const v = objectAt(obj, 'spec')?.finalizers;
  return Array.isArray(v) ? v.map((f) => String(f)) : [];
}

export const namespaceStrategy: KindStrategy = forStore<Namespace>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],

  applyDefaults(obj) {
    setNameLabel(obj);
    const status = ensureObject(obj, 'status');
    if (!status.phase) status.phase = 'Active';
  },

  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    // Required on create only: the finalizer may later be removed by the namespace controller.
    const finalizers = specFinalizers(obj);
    if (!finalizers.includes(FINALIZER_KUBERNETES)) finalizers.push(FINALIZER_KUBERNETES);
    ensureObject(obj, 'spec').finalizers = finalizers;
    setNameLabel(obj);
  },

  prepareForUpdate(obj, old) {
    const oldFinalizers = objectAt(old, 'spec')?.finalizers;
    const spec = ensureObject(obj, 'spec');
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = deepClone(oldFinalizers);
    obj.status = deepClone(old.status);
    if (obj.status === undefined) delete obj.status;
    keepOldGeneration(obj, old);
  },

  canonicalize(obj) {
    setNameLabel(obj);
  },

  validate(obj) {
    const errs = validateMetaCreate(obj, { namespaced: false, nameValidator: validateNamespaceName });
    for (const f of specFinalizers(obj)) errs.push(...validateKubeFinalizerName(f, 'spec.finalizers'));
    return errs;
  },

  validateUpdate(obj, old) {
    return validateMetaUpdate(obj, old);
  },

  selectableFields(obj) {
    return { 'status.phase': stringAt(obj.status, 'phase'), name: metaOf(obj).name ?? '' };
  },
});
