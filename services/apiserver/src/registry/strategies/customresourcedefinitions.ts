import type {
  CustomResourceDefinition,
  CustomResourceDefinitionSpec,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { deepClone, forStore, metaOf, nextGeneration, type KindStrategy } from './common';
import { validateCrd, validateCrdStatusUpdate, validateCrdUpdate } from './crd-validation';
import { semanticEqual } from '../validation/objectmeta';

/** Upstream's v1 SetDefaults_CustomResourceDefinitionSpec. */
export function defaultCrdSpec(spec: CustomResourceDefinitionSpec): void {
  const names = (spec.names ??= {});
  if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
  spec.conversion.strategy ||= 'None';
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (spec.conversion.strategy === 'Webhook' && service && service.port === undefined) service.port = 443;
}

function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return (crd.spec?.versions ?? []).find((v) => v.storage)?.name;
}

/** A new storage version joins status.storedVersions: objects may now be stored at it. */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = storageVersionOf(crd);
  if (!storage) return;
  const status = (crd.status ??= {});
  const stored = (status.storedVersions ??= []);
  if (!stored.includes(storage)) stored.push(storage);
}

export const crdStrategy: KindStrategy = forStore<CustomResourceDefinition>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,

  applyDefaults(obj) {
    defaultCrdSpec((obj.spec ??= {}));
  },

  prepareForCreate(obj) {
    obj.status = {};
    metaOf(obj).generation = 1;
    recordStorageVersion(obj);
  },

  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status);
    nextGeneration(obj, old, !semanticEqual(obj.spec, old.spec));
    recordStorageVersion(obj);
  },

  prepareForStatusUpdate(obj, old) {
    obj.spec = deepClone(old.spec);
  },

  validate: validateCrd,
  validateUpdate: validateCrdUpdate,
  validateStatusUpdate: validateCrdStatusUpdate,
});
