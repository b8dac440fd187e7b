/**
 * Typed views of Kubernetes JSON objects for server-side apply and managedFields: the model in
 * type-model.ts, field sets and comparison in typed-fields.ts, merge, removal and Go zero values
 * in typed-merge.ts. This module is the one import.
 */
export { ItemError, itemElement, TypeModel, type TypeNode } from './type-model';
export { compare, deepEqual, toFieldSet, validateApplied, type Comparison } from './typed-fields';
export { ensureNamedFieldsAreMembers, merge, removeItems, withGoZeroValues, zeroObject } from './typed-merge';
export type { Path } from './fieldset';
