import type {
  CustomResourceDefinition,
  CustomResourceDefinitionCondition,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { timeNow } from '../../api/time';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export type CrdConditionType = 'NamesAccepted' | 'Established' | 'Terminating';

export function crdCondition(
  crd: CustomResourceDefinition,
  type: CrdConditionType,
): CustomResourceDefinitionCondition | undefined {
  return (crd.status?.conditions ?? []).find((c) => c.type === type);
}

export function isCrdConditionTrue(crd: CustomResourceDefinition, type: CrdConditionType): boolean {
  return crdCondition(crd, type)?.status === 'True';
}

/**
 * Upstream's SetCRDCondition: the condition replaces the one of its type, keeping that
 * one's lastTransitionTime when the status did not change. Returns whether anything changed.
 */
export function setCrdCondition(crd: CustomResourceDefinition, next: CustomResourceDefinitionCondition): boolean {
  const status = (crd.status ??= {});
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === next.type);
  const old = i < 0 ? undefined : conditions[i];
  if (old && old.status === next.status && old.reason === next.reason && old.message === next.message) return false;
  const written = {
    type: next.type,
    status: next.status,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : timeNow(),
    reason: next.reason,
    message: next.message,
  };
  if (i < 0) conditions.push(written);
  else conditions[i] = written;
  return true;
}
