import type { FieldError } from '../../api/errors';
import { child, index, invalid, key, notSupported } from '../validation/field';
import { isQualifiedName, isValidLabelValue } from '../validation/names';
import {
  compareQuantities,
  isStandardResourceName,
  quantityText,
  validateResourceList,
  validateResourceName,
} from '../validation/resources';
import { numberAt, objectAt, objectsAt, stringAt, type Obj } from './common';

/**
 * The container resource and pod toleration parts of upstream's PodSpec
 * validation, shared by pods and every workload's template.
 */

const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** validateContainerResourceName: cpu, memory, ephemeral-storage, hugepages-* or a domain-qualified name. */
function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!CONTAINER_RESOURCES.has(name) && !(isStandardResourceName(name) && name.startsWith('hugepages-'))) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  }
  return errs;
}

/** ValidateResourceRequirements: valid names and quantities, and no request above its limit. */
export function validateContainerResources(resources: Obj | undefined, path: string): FieldError[] {
  const limitsPath = child(path, 'limits');
  const requestsPath = child(path, 'requests');
  const limits = objectAt(resources, 'limits') ?? {};
  const requests = objectAt(resources, 'requests') ?? {};
  const errs = [
    ...validateResourceList(limits, limitsPath, validateContainerResourceName),
    ...validateResourceList(requests, requestsPath, validateContainerResourceName),
  ];
  for (const [name, request] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit === undefined || compareQuantities(request, limit) <= 0) continue;
    errs.push(
      invalid(
        key(requestsPath, name),
        quantityText(request),
        `must be less than or equal to ${name} limit of ${quantityText(limit)}`,
      ),
    );
  }
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTolerations: key, operator/value pairing and effect, each at `<path>[i]`. */
export function validateTolerations(tolerations: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const p = index(path, i);
    const k = stringAt(t, 'key');
    const operator = stringAt(t, 'operator');
    const value = stringAt(t, 'value');
    const effect = stringAt(t, 'effect');
    if (k !== '') for (const msg of isQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, msg));
    if (k === '' && operator !== 'Exists') {
      errs.push(
        invalid(
          child(p, 'operator'),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (numberAt(t, 'tolerationSeconds') !== undefined && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === '' || operator === 'Equal') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '') errs.push(invalid(p, t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(p, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) {
      errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
    }
  });
  return errs;
}

/** Every container's resources, regular and init (ephemeral ones may not set any). */
export function validatePodResources(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const list of ['initContainers', 'containers']) {
    objectsAt(spec, list).forEach((c, i) => {
      errs.push(
        ...validateContainerResources(objectAt(c, 'resources'), child(index(child(path, list), i), 'resources')),
      );
    });
  }
  return errs;
}
