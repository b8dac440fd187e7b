/**
 * LimitRanger's validation: a pod's containers against a LimitRange's Container
 * items, the pod's totals against its Pod items, a claim's storage request
 * against its PersistentVolumeClaim items.
 */
import { toQuantity } from '../../api/quantity-format';
import type { LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from '../../generated/k8s.io.api.core.v1';
import { maxRequestViolation, maxViolation, minViolation, ratioViolation, type Bound } from './constraints';
import {
  limitsOf,
  parseResourceList,
  podLimits,
  podRequests,
  requestsOf,
  type ContainerLike,
  type ResourceList,
} from './resource-lists';

type BoundField = 'min' | 'max' | 'maxLimitRequestRatio';

function bounds(item: LimitRangeItem, field: BoundField): Bound[] {
  return Object.entries(item[field] ?? {}).flatMap(([resource, text]) => {
    const enforced = toQuantity(text);
    return enforced ? [{ limitType: item.type ?? '', resource, enforced }] : [];
  });
}

function checkLists(item: LimitRangeItem, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  const note = (msg: string | undefined): void => {
    if (msg !== undefined) errs.push(msg);
  };
  for (const b of bounds(item, 'min')) note(minViolation(b, requests, limits));
  for (const b of bounds(item, 'max')) note(maxViolation(b, requests, limits));
  for (const b of bounds(item, 'maxLimitRequestRatio')) note(ratioViolation(b, requests, limits));
}

/** The messages of every bound the pod breaks, in upstream's order (containers, then init containers). */
export function podViolations(limitRange: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  const containers: ContainerLike[] = pod.spec?.containers ?? [];
  const initContainers: ContainerLike[] = pod.spec?.initContainers ?? [];
  for (const item of limitRange.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...containers, ...initContainers]) checkLists(item, requestsOf(c), limitsOf(c), errs);
    } else if (item.type === 'Pod') {
      checkLists(item, podRequests(containers, initContainers), podLimits(containers, initContainers), errs);
    }
  }
  return errs;
}

/** A claim's limits are not user input: only its storage request is held to min and max. */
export function claimViolations(limitRange: LimitRange, claim: PersistentVolumeClaim): string[] {
  const errs: string[] = [];
  const requests = parseResourceList(claim.spec?.resources?.requests);
  for (const item of limitRange.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const b of bounds(item, 'min')) {
      const msg = minViolation(b, requests, new Map());
      if (msg !== undefined) errs.push(msg);
    }
    for (const b of bounds(item, 'max')) {
      const msg = maxRequestViolation(b, requests);
      if (msg !== undefined) errs.push(msg);
    }
  }
  return errs;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregateMessage(errs: string[]): string {
  if (errs.length === 1) return errs[0];
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
