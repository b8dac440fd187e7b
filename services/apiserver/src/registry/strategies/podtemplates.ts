import type { PodTemplate } from '../../generated/k8s.io.api.core.v1';
import { nameIsDNSSubdomain } from '../validation/names';
import { ensureObject, forStore, objectAt, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import { defaultPodTemplateSpec } from './podtemplate-defaults';
import { validatePodTemplateSpec } from './podtemplate-validation';

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

// the template is a struct, not a pointer, upstream: a missing one fails as an empty one does
function validateTemplate(obj: PodTemplate): ReturnType<typeof validatePodTemplateSpec> {
  return validatePodTemplateSpec(objectAt(obj, 'template') ?? {}, 'template');
}

/** core/v1 PodTemplate: metadata plus a template checked as every workload's template is. */
export const podTemplateStrategy: KindStrategy = forStore<PodTemplate>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  applyDefaults(obj) {
    defaultPodTemplateSpec(ensureObject(obj, 'template'));
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateTemplate(obj)];
  },
  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateTemplate(obj)];
  },
});
