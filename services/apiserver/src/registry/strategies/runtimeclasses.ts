import type { RuntimeClass } from '../../generated/k8s.io.api.node.v1';
import { invalid } from '../validation/field';
import { isDNS1123Label, nameIsDNSSubdomain } from '../validation/names';
import { validateImmutableField } from '../validation/objectmeta';
import { validateResourceList, validateResourceName } from '../validation/resources';
import { forStore, keepOldGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';

function validateRuntimeClassFields(rc: RuntimeClass): ReturnType<KindStrategy['validate']> {
  const handler = rc.handler ?? '';
  const errs = isDNS1123Label(handler).map((msg) => invalid('handler', handler, msg));
  errs.push(...validateResourceList(rc.overhead?.podFixed, 'overhead.podFixed', validateResourceName));
  return errs;
}

const metaRules = { namespaced: false, nameValidator: nameIsDNSSubdomain };

export const runtimeClassStrategy: KindStrategy = forStore<RuntimeClass>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  prepareForUpdate(obj, old) {
    keepOldGeneration(obj, old);
  },
  validate(obj) {
    return [...validateMetaCreate(obj, metaRules), ...validateRuntimeClassFields(obj)];
  },
  validateUpdate(obj, old) {
    // nodes picked the handler when pods started; it names a runtime configured on them
    return [
      ...validateMetaUpdate(obj, old),
      ...validateRuntimeClassFields(obj),
      ...validateImmutableField(obj.handler, old.handler, 'handler'),
    ];
  },
});
