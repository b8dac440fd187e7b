/**
 * LimitRanger's mutation: the `default` and `defaultRequest` of a LimitRange's
 * Container items fill in what a pod's containers leave unset, and the pod is
 * annotated with what was set.
 */
import { canonicalQuantity } from '../../api/quantity-format';
import type { Container, LimitRange, Pod } from '../../generated/k8s.io.api.core.v1';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

interface ContainerDefaults {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

/** Later Container items win over earlier ones for the same resource. */
function containerDefaults(limitRange: LimitRange): ContainerDefaults {
  const out: ContainerDefaults = { requests: {}, limits: {} };
  for (const item of limitRange.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(out.requests, item.defaultRequest ?? {});
    Object.assign(out.limits, item.default ?? {});
  }
  return out;
}

/**
 * Copies the defaults a list lacks into it; the names set, sorted. A copy is in
 * canonical text, as upstream's pod stores the Quantity it was given.
 */
function fillMissing(list: Record<string, string>, defaults: Record<string, string>): string[] {
  const set: string[] = [];
  for (const [name, value] of Object.entries(defaults)) {
    if (name in list) continue;
    list[name] = canonicalQuantity(value);
    set.push(name);
  }
  return set.sort();
}

function defaultContainer(c: Container, defaults: ContainerDefaults, what: string, notes: string[]): void {
  const limits = { ...(c.resources?.limits ?? {}) };
  const requests = { ...(c.resources?.requests ?? {}) };
  const setLimits = fillMissing(limits, defaults.limits);
  const setRequests = fillMissing(requests, defaults.requests);
  if (setLimits.length > 0) (c.resources ??= {}).limits = limits;
  if (setRequests.length > 0) (c.resources ??= {}).requests = requests;
  if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${what} ${c.name ?? ''}`);
  if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${what} ${c.name ?? ''}`);
}

/** Applies one LimitRange's container defaults to the pod in place. */
export function applyPodDefaults(limitRange: LimitRange, pod: Pod): void {
  const defaults = containerDefaults(limitRange);
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) defaultContainer(c, defaults, 'container', notes);
  for (const c of pod.spec?.initContainers ?? []) defaultContainer(c, defaults, 'init container', notes);
  if (notes.length === 0) return;
  const m = (pod.metadata ??= {});
  m.annotations = {
    ...(m.annotations ?? {}),
    [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
  };
}
