import type { FieldError } from '../../api/errors';
import type { StorageClass } from '../../generated/k8s.io.api.storage.v1';
import { forbidden, index, invalid, notSupported, required, tooLong } from '../validation/field';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual, validateImmutableField } from '../validation/objectmeta';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

export const RECLAIM_POLICIES = ['Delete', 'Retain'];
export const VOLUME_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** Whether a StorageClass is marked as the cluster's default (either annotation, value "true"). */
export function isDefaultStorageClass(annotations: Record<string, string> | undefined): boolean {
  return (
    annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || annotations?.[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true'
  );
}

function validateProvisioner(provisioner: string): FieldError[] {
  if (provisioner.length === 0) return [required('provisioner', provisioner)];
  const lower = provisioner.toLowerCase();
  return isQualifiedName(lower).map((msg) => invalid('provisioner', lower, msg));
}

function validateParameters(params: Record<string, string> | undefined): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMETERS) return [tooLong('parameters', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += k.length + String(v).length;
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

function validateAllowedTopologies(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  (sc.allowedTopologies ?? []).forEach((term, i) => {
    const path = index('allowedTopologies', i);
    const exprs = term.matchLabelExpressions ?? [];
    if (exprs.length === 0) errs.push(required(path, 'must contain at least one requirement'));
    exprs.forEach((expr, j) => {
      const exprPath = index(`${path}.matchLabelExpressions`, j);
      const keyName = expr.key ?? '';
      errs.push(...isQualifiedName(keyName).map((msg) => invalid(`${exprPath}.key`, keyName, msg)));
      if ((expr.values ?? []).length === 0) {
        errs.push(required(`${exprPath}.values`, 'must specify as least one value'));
      }
    });
  });
  return errs;
}

export function validateStorageClassFields(sc: StorageClass): FieldError[] {
  const errs = [...validateProvisioner(sc.provisioner ?? ''), ...validateParameters(sc.parameters)];
  const reclaim = sc.reclaimPolicy ?? '';
  if (reclaim && !RECLAIM_POLICIES.includes(reclaim))
    errs.push(notSupported('reclaimPolicy', reclaim, RECLAIM_POLICIES));
  const mode = sc.volumeBindingMode;
  if (mode === undefined) errs.push(required('volumeBindingMode'));
  else if (!VOLUME_BINDING_MODES.includes(mode))
    errs.push(notSupported('volumeBindingMode', mode, VOLUME_BINDING_MODES));
  errs.push(...validateAllowedTopologies(sc));
  return errs;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const storageClassStrategy: KindStrategy = forStore<StorageClass>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  applyDefaults(obj) {
    if (!obj.reclaimPolicy) obj.reclaimPolicy = 'Delete';
    if (!obj.volumeBindingMode) obj.volumeBindingMode = 'Immediate';
  },

  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateStorageClassFields(obj)];
  },

  validateUpdate(obj, old) {
    const errs = [...validateMetaUpdate(obj, old), ...validateStorageClassFields(obj)];
    // volumes already provisioned from the class were made with these settings
    if (!semanticEqual(obj.parameters, old.parameters)) {
      errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
    }
    if ((obj.provisioner ?? '') !== (old.provisioner ?? '')) {
      errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
    }
    if ((obj.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) {
      errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    }
    errs.push(...validateImmutableField(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
    return errs;
  },
});
