export {
  FieldSet,
  FieldsV1Error,
  pathString,
  serializePathElement,
  parsePathElement,
  type Path,
  type PathElement,
} from './fieldset';
export {
  decodeManagedFields,
  encodeManagedFields,
  ManagedFieldsError,
  type ManagedEntry,
  type Managed,
} from './managed';
export { TypeModel, toFieldSet, compare, merge, removeItems } from './typed';
export {
  managerFromRequest,
  validateFieldManager,
  updateManagedFields,
  typeModel,
  FIELD_MANAGER_MAX_LENGTH,
  type UpdateOptions,
} from './manager';
export { serverSideApply, applyConflictError, LAST_APPLIED_ANNOTATION, type ApplyOptions } from './apply';
