import { dedupeErrors } from './dedupe';
import type { ServiceAccount } from '../../generated/k8s.io.api.core.v1';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { nameIsDNSSubdomain } from '../validation/names';

/** ValidateServiceAccount: ObjectMeta with a DNS subdomain name; secrets and automount are free-form. */
export const serviceAccountStrategy: KindStrategy = forStore<ServiceAccount>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate: (obj) => validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
  validateUpdate: (obj, old) =>
    dedupeErrors([
      ...validateMetaUpdate(obj, old),
      ...validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ]),
});
