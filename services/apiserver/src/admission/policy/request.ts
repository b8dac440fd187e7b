import type { AdmissionAttributes, GroupVersionKind, GroupVersionResource } from '../interface';

/**
 * The CEL `request` variable: upstream's AdmissionRequest without uid, object and
 * oldObject, `resource`/`kind` being what the policy matched and `requestResource`/
 * `requestKind` what was asked. Every field is present (zero values included), as
 * the typed object upstream declares reads.
 */
export function admissionRequest(
  a: AdmissionAttributes,
  matchedResource: GroupVersionResource,
  matchedKind: GroupVersionKind,
): Record<string, unknown> {
  const u = a.userInfo;
  return {
    kind: { ...matchedKind },
    resource: { ...matchedResource },
    subResource: a.subresource,
    requestKind: { ...a.kind },
    requestResource: { ...a.resource },
    requestSubResource: a.subresource,
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: u.name, uid: u.uid ?? '', groups: [...(u.groups ?? [])], extra: { ...(u.extra ?? {}) } },
    dryRun: a.dryRun,
    options: a.operationOptions ?? null,
  };
}
