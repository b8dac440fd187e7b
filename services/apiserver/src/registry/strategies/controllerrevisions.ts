import type { FieldError } from '../../api/errors';
import type { ControllerRevision } from '../../generated/k8s.io.api.apps.v1';
import { FIELD_IMMUTABLE, invalid, required, validateNonnegative } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

function validateRevision(obj: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...validateNonnegative(typeof obj.revision === 'number' ? obj.revision : undefined, 'revision'));
  return errs;
}

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

/** A ControllerRevision is a snapshot: its data never changes once written. */
export const controllerRevisionStrategy: KindStrategy = forStore<ControllerRevision>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  prepareForUpdate: keepOldGeneration,

  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateRevision(obj)];
  },

  validateUpdate(obj, old) {
    // upstream revalidates the whole object on update, name and namespace format included
    const errs = [...validateMetaUpdate(obj, old), ...validateMetaCreate(obj, metaRules), ...validateRevision(obj)];
    if (!semanticEqual(obj.data, old.data)) errs.push(invalid('data', obj.data ?? null, FIELD_IMMUTABLE));
    return errs;
  },
});
