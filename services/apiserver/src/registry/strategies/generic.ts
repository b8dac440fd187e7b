import type { KubeObject } from '../../api/object';
import { validatePathSegmentName } from '../validation/names';
import { keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

/**
 * For kinds without a specific strategy: only the ObjectMeta rules the generic
 * store applies to every object (names must be usable as a URL path segment).
 */
function genericStrategy(namespaced: boolean): KindStrategy {
  return {
    namespaced,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForUpdate(obj: KubeObject, old: KubeObject): void {
      keepOldGeneration(obj, old);
    },
    validate: (obj) => validateMetaCreate(obj, { namespaced, nameValidator: validatePathSegmentName }),
    validateUpdate: (obj, old) => validateMetaUpdate(obj, old),
  };
}

export const genericNamespacedStrategy: KindStrategy = genericStrategy(true);
export const genericClusterStrategy: KindStrategy = genericStrategy(false);
