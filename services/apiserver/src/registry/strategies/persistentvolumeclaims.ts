import type { FieldError } from '../../api/errors';
import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from '../../generated/k8s.io.api.core.v1';
import { child, forbidden, invalid, key, required } from '../validation/field';
import { asLabelSelector, validateLabelSelector } from '../validation/labelselector';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import { compareQuantities, validatePositiveQuantity, validateResourceQuantityValue } from '../validation/resources';
import {
  deepClone,
  forStore,
  keepOldGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';
import { keepOldStatus, STATUS_PATHS } from './spec-status';
import { validateAccessModes, validateVolumeMode } from './volume-modes';

export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const STORAGE = 'storage';
export const PVC_SPEC_IMMUTABLE =
  'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

/** The class a claim asks for: the field, else the beta annotation older clients set. */
export function claimStorageClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? '';
}

/** dataSource and dataSourceRef name the same thing; whichever a client set fills the other. */
function normalizeDataSources(spec: PersistentVolumeClaimSpec): void {
  if (spec.dataSource && !spec.dataSourceRef) {
    spec.dataSourceRef = deepClone(spec.dataSource);
  } else if (spec.dataSourceRef && !spec.dataSource && !spec.dataSourceRef.namespace) {
    const { apiGroup, kind, name } = spec.dataSourceRef;
    spec.dataSource = { apiGroup, kind, name };
  }
}

/** volumeAttributesClassName belongs to the VolumeAttributesClass beta, off by default: dropped unless in use. */
function dropDisabledFields(spec: PersistentVolumeClaimSpec, old?: PersistentVolumeClaimSpec): void {
  if (old?.volumeAttributesClassName === undefined) delete spec.volumeAttributesClassName;
}

function validateDataSource(spec: PersistentVolumeClaimSpec): FieldError[] {
  const ds = spec.dataSource;
  if (!ds) return [];
  const path = 'spec.dataSource';
  const errs: FieldError[] = [];
  if (!ds.name) errs.push(required(child(path, 'name')));
  if (!ds.kind) errs.push(required(child(path, 'kind')));
  const group = ds.apiGroup ?? '';
  if (group === '' && ds.kind !== 'PersistentVolumeClaim') {
    errs.push(invalid(path, ds.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (group !== '')
    for (const msg of isDNS1123Subdomain(group)) errs.push(invalid(child(path, 'apiGroup'), group, msg));
  return errs;
}

export function validatePersistentVolumeClaimSpec(pvc: PersistentVolumeClaim): FieldError[] {
  const spec = pvc.spec ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  if (spec.selector) errs.push(...validateLabelSelector(asLabelSelector(spec.selector), 'spec.selector'));
  const requests = spec.resources?.requests ?? {};
  const storagePath = key('spec.resources', STORAGE);
  if (requests[STORAGE] === undefined) errs.push(required(storagePath));
  else {
    const positive = validatePositiveQuantity(requests[STORAGE], storagePath);
    errs.push(
      ...(positive.length > 0 ? positive : validateResourceQuantityValue(STORAGE, requests[STORAGE], storagePath)),
    );
  }
  const className = spec.storageClassName ?? '';
  if (className) {
    for (const msg of nameIsDNSSubdomain(className, false)) errs.push(invalid('spec.storageClassName', className, msg));
  }
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'), ...validateDataSource(spec));
  return errs;
}

/**
 * ValidatePersistentVolumeClaimUpdate: the claim is fixed once made (quota and
 * limit ranges judged it), except that the binder sets volumeName once, a class
 * may be given to a claim that had none, and a bound claim may ask for more
 * storage.
 */
export function validatePersistentVolumeClaimUpdate(
  pvc: PersistentVolumeClaim,
  old: PersistentVolumeClaim,
): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec = deepClone(pvc.spec ?? {});
  const oldSpec = deepClone(old.spec ?? {});
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  const oldAnnotation = old.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const newAnnotation = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (oldAnnotation !== newAnnotation) {
    const path = `metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`;
    errs.push(invalid(path, newAnnotation ?? '', 'field is immutable'));
  }
  const upgradesFromAnnotation =
    oldAnnotation !== undefined && oldAnnotation === newAnnotation && oldSpec.storageClassName === undefined;
  const upgradesFromNil = oldAnnotation === undefined && oldSpec.storageClassName === undefined;
  if ((upgradesFromAnnotation && newSpec.storageClassName === oldAnnotation) || upgradesFromNil) {
    delete newSpec.storageClassName;
  }
  if (pvc.status?.phase === 'Bound' && newSpec.resources?.requests) {
    const oldStorage = oldSpec.resources?.requests?.[STORAGE];
    if (oldStorage === undefined) delete newSpec.resources.requests[STORAGE];
    else newSpec.resources.requests[STORAGE] = oldStorage;
  }
  if (!semanticEqual(newSpec, oldSpec)) errs.push(forbidden('spec', PVC_SPEC_IMMUTABLE));
  const newSize = pvc.spec?.resources?.requests?.[STORAGE];
  const oldSize = old.spec?.resources?.requests?.[STORAGE];
  if (compareQuantities(newSize, oldSize) < 0) {
    // RecoverVolumeExpansionFailure (on by default in 1.32): shrinking is allowed down to above the capacity
    const statusSize = old.status?.capacity?.[STORAGE];
    if (compareQuantities(newSize, statusSize) <= 0) {
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
  }
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

export const persistentVolumeClaimStrategy: KindStrategy = forStore<PersistentVolumeClaim>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: STATUS_PATHS,

  applyDefaults(obj) {
    const spec = (obj.spec ??= {});
    spec.volumeMode ??= 'Filesystem';
  },

  prepareForCreate(obj) {
    const spec = (obj.spec ??= {});
    dropDisabledFields(spec);
    normalizeDataSources(spec);
    // upstream stores an empty status and defaults its phase on every read
    obj.status = { phase: 'Pending' };
  },

  prepareForUpdate(obj, old) {
    const spec = (obj.spec ??= {});
    dropDisabledFields(spec, old.spec);
    normalizeDataSources(spec);
    keepOldStatus(obj, old);
    keepOldGeneration(obj, old);
  },

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validatePersistentVolumeClaimSpec(obj)];
  },

  validateUpdate(obj, old) {
    return [
      ...validateMetaUpdate(obj, old),
      ...validatePersistentVolumeClaimSpec(obj),
      ...validatePersistentVolumeClaimUpdate(obj, old),
    ];
  },
});
